#include "control/control_section.h"

namespace uplinkd::config {

void ReadControlSection(TomlSection& section, ControlConfig& out) {
  for (auto [key, field] : {std::pair{"readers", &out.readers}, std::pair{"operators", &out.operators},
                            std::pair{"configurers", &out.configurers}, std::pair{"admins", &out.admins}}) {
    auto entries = section.StringList(key);
    if (!entries) continue;
    std::vector<control::PrincipalSelector> selectors;
    for (const auto& entry : *entries) {
      auto selector = control::PrincipalSelector::Parse(entry);
      if (!selector) {
        section.Fail(key, selector.error().message);
        continue;
      }
      selectors.push_back(*selector);
    }
    *field = std::move(selectors);
  }
  if (auto rows = section.Integer("audit_max_rows", 100, 10000000)) out.audit_max_rows = static_cast<uint64_t>(*rows);
  if (auto window = section.Integer("idempotency_window_s", 1, 86400)) {
    out.idempotency_window_s = static_cast<uint32_t>(*window);
  }
  section.RejectUnknownKeys();
}

}  // namespace uplinkd::config
