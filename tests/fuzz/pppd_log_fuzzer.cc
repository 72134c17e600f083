// pppd's log output (modem/pppd_log_reader): any sequence of lines (the input split at '\n') is
// taken line by line; a lease, once there, names an interface and a local address.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "modem/pppd_log_reader.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  uplinkd::modem::PppdLogReader reader;
  while (!text.empty()) {
    size_t end = text.find('\n');
    reader.Feed(text.substr(0, end));
    if (auto lease = reader.Lease(); lease && reader.interface().empty()) std::abort();
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return 0;
}
