#include "daemon/config/config_loader.h"

#include <fstream>
#include <sstream>

#include "daemon/config/toml_section.h"

namespace uplinkd::config {
namespace {

void ReadDaemonSection(TomlSection& section, DaemonConfig& config) {
  if (auto level = section.Choice("log_level", {"error", "warning", "notice", "info", "debug"})) {
    config.log_level = *LogLevelFromName(*level);
  }
  for (auto [key, field] : {std::pair{"state_dir", &config.state_dir},
                            std::pair{"runtime_dir", &config.runtime_dir}}) {
    if (auto dir = section.String(key)) {
      if (dir->empty() || dir->front() != '/') {
        section.Fail(key, "must be an absolute path");
      } else {
        *field = *dir;
      }
    }
  }
  section.RejectUnknownKeys();
}

void ReadDbusSection(TomlSection& section, DaemonConfig& config) {
  if (auto bus = section.String("bus")) {
    if (*bus != "system" && bus->find(':') == std::string::npos) {
      section.Fail("bus", "must be \"system\" or a D-Bus address such as unix:path=/run/bus.sock");
    } else {
      config.bus = *bus;
    }
  }
  if (auto name = section.String("modem_manager_service")) config.modem_manager_service = *name;
  section.RejectUnknownKeys();
}

ConfigLoader::Outcome Verify(const toml::value& root, const std::string& name) {
  ConfigLoader::Outcome outcome;
  TomlSection top(root, "", name, outcome.issues);
  if (auto daemon = top.Table("daemon")) ReadDaemonSection(*daemon, outcome.config);
  if (auto dbus = top.Table("dbus")) ReadDbusSection(*dbus, outcome.config);
  top.RejectUnknownKeys();
  return outcome;
}

ConfigLoader::Outcome SyntaxFailure(const std::string& name, const toml::exception& error) {
  ConfigLoader::Outcome outcome;
  // toml11's message spans several lines with a source excerpt; the first line says what is wrong.
  std::string what = error.what();
  std::string first = what.substr(0, what.find('\n'));
  if (first.rfind("[error] ", 0) == 0) first = first.substr(8);
  outcome.issues.push_back({name, static_cast<int>(error.location().line()), "syntax: " + first});
  return outcome;
}

}  // namespace

ConfigLoader::Outcome ConfigLoader::LoadString(const std::string& text, const std::string& name) {
  std::istringstream stream(text);
  try {
    return Verify(toml::parse(stream, name), name);
  } catch (const toml::exception& error) {
    return SyntaxFailure(name, error);
  } catch (const std::exception& error) {
    Outcome outcome;
    outcome.issues.push_back({name, 0, error.what()});
    return outcome;
  }
}

ConfigLoader::Outcome ConfigLoader::LoadFile(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    Outcome outcome;
    outcome.issues.push_back({path, 0, "cannot be read"});
    return outcome;
  }
  std::ostringstream text;
  text << file.rdbuf();
  return LoadString(text.str(), path);
}

}  // namespace uplinkd::config
