#pragma once
// A WireGuard key: 32 bytes of Curve25519 (private, public or preshared). Text forms are base64
// (wg(8), configuration) and lowercase hex (the wireguard-go UAPI). There is no operator<< and
// no implicit text form, so a private key only reaches text where code asks for it by name;
// the bytes are wiped when the key is destroyed.
#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "base/result.h"

namespace uplinkd::vpn {

class WireguardKey {
 public:
  static constexpr size_t kSize = 32;

  WireguardKey() = default;  // all zeros: "no key" where the protocols allow it
  explicit WireguardKey(const std::array<uint8_t, kSize>& bytes) : bytes_(bytes) {}
  WireguardKey(const WireguardKey&) = default;
  WireguardKey& operator=(const WireguardKey&) = default;
  ~WireguardKey();

  // Exactly 44 characters of standard base64 with its one '=' of padding, as wg(8) prints them.
  static Result<WireguardKey> FromBase64(std::string_view text);
  // Exactly 64 hex digits.
  static Result<WireguardKey> FromHex(std::string_view text);
  static WireguardKey FromBytes(const uint8_t* bytes);
  // A new private key from the system's random source, clamped as Curve25519 wants.
  static Result<WireguardKey> GeneratePrivate();
  // A private key file (0600/0400, not a symlink, owned by root or us: base/secret_file.h)
  // holding the base64 key. Errors name the file, never its content.
  static Result<WireguardKey> ReadPrivateKeyFile(const std::string& path);

  // The public key of this private key (X25519 base-point multiplication).
  Result<WireguardKey> DerivePublic() const;

  std::string ToBase64() const;
  std::string ToHex() const;
  const uint8_t* data() const { return bytes_.data(); }
  bool IsZero() const;

  friend bool operator==(const WireguardKey&, const WireguardKey&) = default;
  friend auto operator<=>(const WireguardKey&, const WireguardKey&) = default;

 private:
  std::array<uint8_t, kSize> bytes_{};
};

// Overwrites a string that held key material before it is freed.
void WipeString(std::string& text);

}  // namespace uplinkd::vpn
