#include "dbus/uplinkctl/text_table.h"

#include <algorithm>
#include <set>

namespace uplinkd::ctl {
namespace {

const std::set<std::string> kGood = {"up", "online", "connected", "yes", "home", "true", "running", "applied"};
const std::set<std::string> kWarn = {"degraded", "suspect",  "starting", "connecting", "backing-off",
                                     "cycling",  "resetting", "searching", "enabling", "roaming", "unknown"};
const std::set<std::string> kBad = {"down",  "offline", "failed",  "absent", "needs-operator", "no",
                                    "false", "denied",  "stopping", "locked"};

}  // namespace

void TextTable::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string TextTable::Render(bool color) const {
  std::vector<size_t> widths(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) {
    widths[c] = headers_[c].size();
    for (const auto& row : rows_) widths[c] = std::max(widths[c], row[c].size());
  }
  auto line = [&](const std::vector<std::string>& cells, bool header) {
    std::string out;
    for (size_t c = 0; c < cells.size(); ++c) {
      bool last = c + 1 == cells.size();
      std::string padding = last ? "" : std::string(widths[c] - cells[c].size() + 2, ' ');
      out += (header ? Bold(cells[c], color) : Colorize(cells[c], color)) + padding;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers_, true);
  for (const auto& row : rows_) out += line(row, false);
  return out;
}

std::string Colorize(const std::string& text, bool color) {
  if (!color) return text;
  if (kGood.count(text)) return "\033[32m" + text + "\033[0m";
  if (kWarn.count(text)) return "\033[33m" + text + "\033[0m";
  if (kBad.count(text)) return "\033[31m" + text + "\033[0m";
  return text;
}

std::string Bold(const std::string& text, bool color) { return color ? "\033[1m" + text + "\033[0m" : text; }

}  // namespace uplinkd::ctl
