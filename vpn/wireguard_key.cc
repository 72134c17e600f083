#include "vpn/wireguard_key.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <string.h>

#include <memory>

#include "base/secret_file.h"

namespace uplinkd::vpn {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct PkeyDeleter {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

}  // namespace

WireguardKey::~WireguardKey() { explicit_bzero(bytes_.data(), bytes_.size()); }

void WipeString(std::string& text) {
  if (!text.empty()) explicit_bzero(text.data(), text.size());
  text.clear();
}

Result<WireguardKey> WireguardKey::FromBase64(std::string_view text) {
  // 32 bytes are 43 base64 digits and one '='; anything else is not a WireGuard key.
  if (text.size() != 44 || text[43] != '=') {
    return MakeError(ErrorCode::kInvalidArgument, "a WireGuard key is 44 characters of base64");
  }
  unsigned char decoded[33];  // EVP_DecodeBlock writes 3 bytes per 4 digits, padding included
  int n = EVP_DecodeBlock(decoded, reinterpret_cast<const unsigned char*>(text.data()), 44);
  WireguardKey key;
  // The last digit before '=' carries 2 unused bits that must be zero (canonical form).
  static constexpr std::string_view kDigits = "AEIMQUYcgkosw048";
  bool canonical = kDigits.find(text[42]) != std::string_view::npos;
  if (n != 33 || !canonical) {
    explicit_bzero(decoded, sizeof decoded);
    return MakeError(ErrorCode::kInvalidArgument, "a WireGuard key is 44 characters of base64");
  }
  memcpy(key.bytes_.data(), decoded, kSize);
  explicit_bzero(decoded, sizeof decoded);
  return key;
}

Result<WireguardKey> WireguardKey::FromHex(std::string_view text) {
  if (text.size() != 2 * kSize) return MakeError(ErrorCode::kInvalidArgument, "a hex WireGuard key is 64 hex digits");
  WireguardKey key;
  for (size_t i = 0; i < kSize; ++i) {
    int high = HexValue(text[2 * i]);
    int low = HexValue(text[2 * i + 1]);
    if (high < 0 || low < 0) return MakeError(ErrorCode::kInvalidArgument, "a hex WireGuard key is 64 hex digits");
    key.bytes_[i] = static_cast<uint8_t>(high << 4 | low);
  }
  return key;
}

WireguardKey WireguardKey::FromBytes(const uint8_t* bytes) {
  WireguardKey key;
  memcpy(key.bytes_.data(), bytes, kSize);
  return key;
}

Result<WireguardKey> WireguardKey::GeneratePrivate() {
  WireguardKey key;
  if (RAND_priv_bytes(key.bytes_.data(), static_cast<int>(kSize)) != 1) {
    return MakeError(ErrorCode::kSystem, "no random bytes for a WireGuard private key");
  }
  key.bytes_[0] &= 248;
  key.bytes_[31] = static_cast<uint8_t>((key.bytes_[31] & 127) | 64);
  return key;
}

Result<WireguardKey> WireguardKey::ReadPrivateKeyFile(const std::string& path) {
  auto text = ReadSecretFile(path);
  if (!text) return tl::unexpected(text.error());
  auto key = FromBase64(*text);
  WipeString(*text);
  if (!key) return MakeError(ErrorCode::kInvalidArgument, "key file " + path + " does not hold a base64 WireGuard key");
  return key;
}

Result<WireguardKey> WireguardKey::DerivePublic() const {
  std::unique_ptr<EVP_PKEY, PkeyDeleter> pkey(
      EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, nullptr, bytes_.data(), kSize));
  if (!pkey) return MakeError(ErrorCode::kSystem, "cannot load a private key into X25519");
  WireguardKey public_key;
  size_t length = kSize;
  if (EVP_PKEY_get_raw_public_key(pkey.get(), public_key.bytes_.data(), &length) != 1 || length != kSize) {
    return MakeError(ErrorCode::kSystem, "cannot derive the X25519 public key");
  }
  return public_key;
}

std::string WireguardKey::ToBase64() const {
  unsigned char out[45];
  EVP_EncodeBlock(out, bytes_.data(), static_cast<int>(kSize));
  std::string text(reinterpret_cast<char*>(out), 44);
  explicit_bzero(out, sizeof out);
  return text;
}

std::string WireguardKey::ToHex() const {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(2 * kSize, '0');
  for (size_t i = 0; i < kSize; ++i) {
    text[2 * i] = kHex[bytes_[i] >> 4];
    text[2 * i + 1] = kHex[bytes_[i] & 15];
  }
  return text;
}

bool WireguardKey::IsZero() const {
  uint8_t any = 0;
  for (uint8_t b : bytes_) any |= b;
  return any == 0;
}

}  // namespace uplinkd::vpn
