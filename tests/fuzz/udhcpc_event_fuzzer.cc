// udhcpc's output lines (modem/udhcpc_event): any line is an event or not ours; a lease has a
// usable address and prefix.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "modem/udhcpc_event.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view line(reinterpret_cast<const char*>(data), size);
  auto event = uplinkd::modem::ParseUdhcpcEvent(line);
  if (!event) return 0;
  if (event->event.empty()) std::abort();
  if (event->lease && event->event != "bound" && event->event != "renew") std::abort();
  return 0;
}
