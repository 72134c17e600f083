#pragma once
// An IPv4 or IPv6 address as a value, independent of any kernel or library type.
#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace uplinkd::net {

enum class IpFamily : uint8_t { kV4 = 4, kV6 = 6 };

class IpAddress {
 public:
  IpAddress() = default;  // 0.0.0.0
  static std::optional<IpAddress> Parse(std::string_view text);
  static IpAddress V4(uint32_t host_order);
  static IpAddress FromBytes(IpFamily family, const uint8_t* bytes);

  IpFamily family() const { return family_; }
  // 4 or 16 bytes in network order.
  const uint8_t* bytes() const { return bytes_.data(); }
  size_t size() const { return family_ == IpFamily::kV4 ? 4 : 16; }
  bool IsUnspecified() const;
  std::string ToString() const;

  friend auto operator<=>(const IpAddress&, const IpAddress&) = default;

 private:
  IpFamily family_ = IpFamily::kV4;
  std::array<uint8_t, 16> bytes_{};
};

}  // namespace uplinkd::net
