#include "base/toml_document.h"

#include "base/text_escape.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <sstream>

namespace uplinkd::config {
namespace {

// Walks the text once, outside strings and comments, counting open [ and { and the dots of the
// key being read. Only bounds are checked here; toml11 judges the syntax afterwards.
class BoundsScan {
 public:
  BoundsScan(std::string_view text, const std::string& file) : text_(text), file_(file) {}

  std::optional<ConfigIssue> Run() {
    while (i_ < text_.size()) {
      char c = text_[i_];
      if (c == '#') {
        SkipComment();
      } else if (c == '"' || c == '\'') {
        SkipString(c);
      } else {
        if (auto issue = Structural(c)) return issue;
        ++i_;
      }
    }
    return std::nullopt;
  }

 private:
  std::optional<ConfigIssue> Structural(char c) {
    switch (c) {
      case '\n':
        ++line_;
        // A new line at the top level starts a key (or a [table] header).
        if (depth_ == 0) StartKey();
        break;
      case '[':
      case '{':
        if (++depth_ > kMaxTomlNesting) return TooDeep("[ and { nested");
        if (c == '{') StartKey();
        inline_table_[depth_] = c == '{';
        break;
      case ']':
      case '}':
        if (depth_ > 0) --depth_;
        break;
      case '=':
        in_key_ = false;
        break;
      case ',':
        if (depth_ > 0 && inline_table_[depth_]) StartKey();
        break;
      case '.':
        // Each dot of a key (a.b.c = 1, [a.b.c]) is one more table level.
        if (in_key_ && ++key_dots_ >= kMaxTomlNesting) return TooDeep("dotted key segments");
        break;
      default:
        break;
    }
    return std::nullopt;
  }

  void StartKey() {
    in_key_ = true;
    key_dots_ = 0;
  }

  ConfigIssue TooDeep(const char* what) const {
    return {file_, line_, "nesting: more than " + std::to_string(kMaxTomlNesting) + " " + what};
  }

  void SkipComment() {
    while (i_ < text_.size() && text_[i_] != '\n') ++i_;
  }

  // At an opening quote: skips the string, basic ("..."), literal ('...') or multi-line
  // ("""...""" / '''...'''), counting its newlines.
  void SkipString(char quote) {
    bool multi_line = text_.compare(i_, 3, std::string(3, quote)) == 0;
    bool escapes = quote == '"';
    i_ += multi_line ? 3 : 1;
    while (i_ < text_.size()) {
      char c = text_[i_];
      if (escapes && c == '\\') {
        if (i_ + 1 < text_.size() && text_[i_ + 1] == '\n') ++line_;
        i_ += 2;
        continue;
      }
      if (c == '\n') {
        ++line_;
        // A single-line string ends at the line's end (toml11 then reports the syntax error).
        if (!multi_line) {
          ++i_;
          if (depth_ == 0) StartKey();
          return;
        }
      }
      if (c == quote) {
        if (!multi_line) {
          ++i_;
          return;
        }
        size_t run = 0;
        while (i_ + run < text_.size() && text_[i_ + run] == quote) ++run;
        i_ += run;
        // """ closes; up to two more quotes before it belong to the string.
        if (run >= 3) return;
        continue;
      }
      ++i_;
    }
  }

  std::string_view text_;
  const std::string& file_;
  size_t i_ = 0;
  int line_ = 1;
  int depth_ = 0;
  bool inline_table_[kMaxTomlNesting + 1] = {};
  bool in_key_ = true;
  int key_dots_ = 0;
};

ConfigIssue SyntaxIssue(const std::string& file, const toml::exception& error) {
  // toml11's message spans several lines with a source excerpt; the first line says what is wrong.
  std::string what = error.what();
  std::string first = what.substr(0, what.find('\n'));
  if (first.rfind("[error] ", 0) == 0) first = first.substr(8);
  return {file, static_cast<int>(error.location().line()), "syntax: " + first};
}

}  // namespace

std::optional<ConfigIssue> TomlDocument::CheckBounds(std::string_view text, const std::string& file) {
  if (text.size() > kMaxTomlBytes) {
    return ConfigIssue{file, 0, "is larger than " + std::to_string(kMaxTomlBytes) + " bytes"};
  }
  // TOML is UTF-8, and toml11 reads past the end of a string holding invalid UTF-8 (a
  // heap-buffer-overflow found by tests/fuzz/config_fuzzer): refuse such bytes first.
  if (size_t bad = FirstInvalidUtf8(text); bad != std::string_view::npos) {
    int line = 1 + static_cast<int>(std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(bad), '\n'));
    return ConfigIssue{file, line, "is not valid UTF-8 (byte " + std::to_string(bad) + ")"};
  }
  return BoundsScan(text, file).Run();
}

tl::expected<toml::value, ConfigIssue> TomlDocument::Parse(std::string_view text, const std::string& file) {
  if (auto issue = CheckBounds(text, file)) return tl::unexpected(*issue);
  try {
    std::istringstream stream{std::string(text)};
    return toml::parse(stream, file);
  } catch (const toml::exception& error) {
    return tl::unexpected(SyntaxIssue(file, error));
  } catch (const std::exception& error) {
    return tl::unexpected(ConfigIssue{file, 0, std::string("syntax: ") + error.what()});
  }
}

tl::expected<std::string, ConfigIssue> TomlDocument::Read(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return tl::unexpected(ConfigIssue{path, 0, std::string("cannot be read: ") + std::strerror(errno)});
  std::string text;
  char buffer[16384];
  ssize_t n = 0;
  while (text.size() <= kMaxTomlBytes && (n = ::read(fd, buffer, sizeof(buffer))) != 0) {
    if (n < 0) {
      if (errno == EINTR) continue;
      int saved = errno;
      ::close(fd);
      return tl::unexpected(ConfigIssue{path, 0, std::string("cannot be read: ") + std::strerror(saved)});
    }
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (text.size() > kMaxTomlBytes) {
    return tl::unexpected(ConfigIssue{path, 0, "is larger than " + std::to_string(kMaxTomlBytes) + " bytes"});
  }
  return text;
}

tl::expected<toml::value, ConfigIssue> TomlDocument::ParseFile(const std::string& path) {
  auto text = Read(path);
  if (!text) return tl::unexpected(text.error());
  return Parse(*text, path);
}

}  // namespace uplinkd::config
