#include "net/ip_prefix.h"

#include <array>
#include <charconv>

namespace uplinkd::net {

std::optional<IpPrefix> IpPrefix::Parse(std::string_view text) {
  auto slash = text.find('/');
  auto address = IpAddress::Parse(text.substr(0, slash));
  if (!address) return std::nullopt;
  unsigned max_length = address->family() == IpFamily::kV4 ? 32 : 128;
  unsigned length = max_length;
  if (slash != std::string_view::npos) {
    auto digits = text.substr(slash + 1);
    auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), length);
    if (error != std::errc() || end != digits.data() + digits.size() || digits.empty() ||
        length > max_length) {
      return std::nullopt;
    }
  }
  return IpPrefix(*address, static_cast<uint8_t>(length));
}

IpPrefix IpPrefix::Default(IpFamily family) {
  std::array<uint8_t, 16> zero{};
  return IpPrefix(IpAddress::FromBytes(family, zero.data()), 0);
}

IpPrefix IpPrefix::Network() const {
  std::array<uint8_t, 16> bytes{};
  for (size_t i = 0; i < address_.size(); ++i) {
    int bits_here = static_cast<int>(length_) - static_cast<int>(i * 8);
    uint8_t mask = bits_here >= 8 ? 0xff : bits_here <= 0 ? 0 : static_cast<uint8_t>(0xff << (8 - bits_here));
    bytes[i] = address_.bytes()[i] & mask;
  }
  return IpPrefix(IpAddress::FromBytes(address_.family(), bytes.data()), length_);
}

bool IpPrefix::Contains(const IpAddress& address) const {
  if (address.family() != family()) return false;
  return IpPrefix(address, length_).Network().address() == Network().address();
}

std::string IpPrefix::ToString() const {
  return address_.ToString() + "/" + std::to_string(length_);
}

}  // namespace uplinkd::net
