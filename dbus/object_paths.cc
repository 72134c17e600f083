#include "dbus/object_paths.h"

namespace uplinkd::dbus {
namespace {

bool Plain(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string EscapePathElement(std::string_view name) {
  if (name.empty()) return "_";
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (char c : name) {
    if (Plain(c)) {
      out += c;
    } else {
      auto byte = static_cast<unsigned char>(c);
      out += '_';
      out += kHex[byte >> 4];
      out += kHex[byte & 0xf];
    }
  }
  return out;
}

std::string UnescapePathElement(std::string_view element) {
  if (element == "_") return "";
  std::string out;
  for (size_t i = 0; i < element.size(); ++i) {
    if (element[i] == '_' && i + 2 < element.size()) {
      int high = HexValue(element[i + 1]);
      int low = HexValue(element[i + 2]);
      if (high >= 0 && low >= 0) {
        out += static_cast<char>(high * 16 + low);
        i += 2;
        continue;
      }
    }
    out += element[i];
  }
  return out;
}

std::string ObjectPathFor(std::string_view kind, std::string_view name) {
  std::string path = kRootPath;
  path += '/';
  path += kind;
  path += '/';
  path += EscapePathElement(name);
  return path;
}

}  // namespace uplinkd::dbus
