#include "modem/bearer_ip_client.h"

namespace uplinkd::modem {

const char* BearerIpClientKindName(BearerIpClientKind kind) {
  switch (kind) {
    case BearerIpClientKind::kDhcp: return "dhcp";
    case BearerIpClientKind::kPpp: return "ppp";
  }
  return "?";
}

}  // namespace uplinkd::modem
