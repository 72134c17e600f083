#include "modem/pppd_log_reader.h"

namespace uplinkd::modem {
namespace {

// The value after `prefix` when the line starts with it (surrounding blanks ignored).
std::optional<std::string_view> After(std::string_view line, std::string_view prefix) {
  size_t first = line.find_first_not_of(" \t");
  if (first == std::string_view::npos) return std::nullopt;
  line.remove_prefix(first);
  if (line.substr(0, prefix.size()) != prefix) return std::nullopt;
  line.remove_prefix(prefix.size());
  size_t begin = line.find_first_not_of(" \t");
  if (begin == std::string_view::npos) return std::nullopt;
  line.remove_prefix(begin);
  size_t end = line.find_first_of(" \t\r");
  return line.substr(0, end);
}

bool SetAddress(std::optional<net::IpAddress>& field, std::string_view text) {
  auto address = net::IpAddress::Parse(text);
  if (!address || field == address) return false;
  field = address;
  return true;
}

}  // namespace

bool PppdLogReader::Feed(std::string_view line) {
  if (auto name = After(line, "Using interface")) {
    if (*name == interface_) return false;
    interface_ = std::string(*name);
    return true;
  }
  if (auto value = After(line, "local  IP address")) return SetAddress(local_, *value);
  if (auto value = After(line, "remote IP address")) return SetAddress(remote_, *value);
  if (auto value = After(line, "primary   DNS address")) return SetAddress(dns1_, *value);
  if (auto value = After(line, "secondary DNS address")) return SetAddress(dns2_, *value);
  return false;
}

std::optional<BearerIpLease> PppdLogReader::Lease() const {
  if (interface_.empty() || !local_) return std::nullopt;
  BearerIpLease lease;
  lease.interface = interface_;
  lease.applied_by_client = true;
  lease.ipv4.address = net::IpPrefix(*local_, 32);
  lease.ipv4.gateway = remote_;
  if (dns1_) lease.ipv4.dns.push_back(*dns1_);
  if (dns2_) lease.ipv4.dns.push_back(*dns2_);
  return lease;
}

}  // namespace uplinkd::modem
