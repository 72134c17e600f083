#pragma once
// Aligned text tables for people: columns as wide as their widest cell, a header row, and
// optional colour (ANSI) for the header and for state words, used only on a terminal.
#include <string>
#include <vector>

namespace uplinkd::ctl {

class TextTable {
 public:
  explicit TextTable(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void AddRow(std::vector<std::string> cells);
  std::string Render(bool color) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// `text` in the colour its meaning suggests (green: up/online/connected/yes, yellow:
// degraded/transitional, red: down/failed/offline), or unchanged without colour or meaning.
std::string Colorize(const std::string& text, bool color);
std::string Bold(const std::string& text, bool color);

}  // namespace uplinkd::ctl
