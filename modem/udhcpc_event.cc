#include "modem/udhcpc_event.h"

#include <charconv>
#include <map>

namespace uplinkd::modem {
namespace {

std::vector<std::string_view> Split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(separator, start);
    if (end == std::string_view::npos) end = text.size();
    if (end > start) parts.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return parts;
}

std::optional<uint32_t> ToNumber(std::string_view text) {
  uint32_t value = 0;
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

// A dotted netmask to its prefix length; nullopt when the mask is not contiguous.
std::optional<uint8_t> MaskLength(std::string_view text) {
  auto mask = net::IpAddress::Parse(text);
  if (!mask || mask->family() != net::IpFamily::kV4) return std::nullopt;
  uint32_t bits = 0;
  for (size_t i = 0; i < 4; ++i) bits = (bits << 8) | mask->bytes()[i];
  uint8_t length = 0;
  while (length < 32 && (bits & (0x80000000u >> length))) ++length;
  if (length < 32 && (bits << length) != 0) return std::nullopt;
  return length;
}

}  // namespace

std::optional<UdhcpcEvent> ParseUdhcpcEvent(std::string_view line) {
  auto words = Split(line, ' ');
  if (words.empty() || words[0] != kUdhcpcEventTag) return std::nullopt;
  std::map<std::string_view, std::string_view> fields;
  for (size_t i = 1; i < words.size(); ++i) {
    size_t equals = words[i].find('=');
    if (equals == std::string_view::npos) return std::nullopt;
    fields[words[i].substr(0, equals)] = words[i].substr(equals + 1);
  }
  UdhcpcEvent event;
  event.event = std::string(fields["event"]);
  event.interface = std::string(fields["interface"]);
  if (event.event.empty()) return std::nullopt;
  if (event.event != "bound" && event.event != "renew") return event;

  auto ip = net::IpAddress::Parse(fields["ip"]);
  std::optional<uint8_t> length;
  if (auto mask = ToNumber(fields["mask"]); mask && *mask <= 32) length = static_cast<uint8_t>(*mask);
  if (!length) length = MaskLength(fields["subnet"]);
  if (!ip || ip->family() != net::IpFamily::kV4 || !length) return event;  // a lease we cannot use
  BearerIpConfig lease;
  lease.address = net::IpPrefix(*ip, *length);
  for (auto router : Split(fields["router"], ',')) {
    if (auto address = net::IpAddress::Parse(router)) {
      lease.gateway = *address;
      break;
    }
  }
  for (auto server : Split(fields["dns"], ',')) {
    if (auto address = net::IpAddress::Parse(server)) lease.dns.push_back(*address);
  }
  if (auto mtu = ToNumber(fields["mtu"]); mtu && *mtu >= 576 && *mtu <= 65535) lease.mtu = *mtu;
  event.lease = lease;
  return event;
}

std::string UdhcpcEventScript() {
  return R"script(#!/bin/sh
# Written by uplinkd. busybox udhcpc runs it at every DHCP event ($1) with the lease in its
# environment. It only reports the lease on stdout, which uplinkd reads; uplinkd configures the
# interface itself. It must not change anything on the system.
printf 'uplinkd-udhcpc event=%s interface=%s ip=%s subnet=%s mask=%s router=%s dns=%s mtu=%s lease=%s\n' \
  "$1" "$interface" "$ip" "$subnet" "$mask" "$(echo $router | tr ' ' ',')" "$(echo $dns | tr ' ' ',')" \
  "$mtu" "$lease"
exit 0
)script";
}

}  // namespace uplinkd::modem
