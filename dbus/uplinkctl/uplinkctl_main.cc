// uplinkctl: the command-line client of uplinkd's D-Bus API (docs/uplinkctl.md).
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <string>
#include <vector>

#include "base/text_escape.h"
#include "dbus/uplinkctl/human_output.h"
#include "dbus/uplinkctl/uplinkctl_options.h"
#include "dbus/uplinkctl/uplinkd_client.h"

namespace uplinkd::ctl {
namespace {

int ExitCodeFor(const Error& error) {
  switch (error.code) {
    case ErrorCode::kPermissionDenied: return kExitDenied;
    case ErrorCode::kNotFound: return kExitNotFound;
    case ErrorCode::kUnavailable: return kExitUnreachable;
    case ErrorCode::kInvalidArgument: return kExitInvalid;
    case ErrorCode::kTimeout: return kExitUnavailable;  // uplinkd: not now (see FromDbusError)
    default: return kExitFailed;
  }
}

int Fail(const Error& error) {
  // uplinkd's message may repeat what a caller sent: no control character reaches the terminal.
  std::cerr << "uplinkctl: " << EscapeControlCharacters(error.message) << "\n";
  return ExitCodeFor(error);
}

bool UseColor(ColorMode mode) {
  if (mode != ColorMode::kAuto) return mode == ColorMode::kAlways;
  const char* term = std::getenv("TERM");
  return ::isatty(STDOUT_FILENO) && !std::getenv("NO_COLOR") && !(term && std::string(term) == "dumb");
}

void Print(const std::string& text) {
  std::fwrite(text.data(), 1, text.size(), stdout);
  std::fflush(stdout);
}

void PrintJson(const nlohmann::json& value) { Print(value.dump(2) + "\n"); }

// Finds the object named `name` in `objects`, or nullptr.
const nlohmann::json* FindNamed(const nlohmann::json& objects, const std::string& name) {
  for (const auto& object : objects) {
    if (object.value("Name", "") == name) return &object;
  }
  return nullptr;
}

int ShowCollection(UplinkdClient& client, const Options& options, const char* key, const char* noun,
                   std::string (*table)(const nlohmann::json&, bool)) {
  auto snapshot = client.Snapshot();
  if (!snapshot) return Fail(snapshot.error());
  const auto& objects = (*snapshot)[key];
  bool color = UseColor(options.color);
  if (!options.arguments.empty()) {
    const auto* object = FindNamed(objects, options.arguments[0]);
    if (!object) return Fail({ErrorCode::kNotFound, std::string("no ") + noun + " named \"" + options.arguments[0] + "\"", 0});
    options.json ? PrintJson(*object) : Print(FormatDetail(*object, color));
    return kExitOk;
  }
  if (options.json) {
    PrintJson(objects);
  } else if (objects.empty()) {
    Print(std::string("no ") + noun + "s\n");
  } else {
    Print(table(objects, color));
  }
  return kExitOk;
}

// A command that changes something: prints "ok" (or {"ok": true}) when uplinkd accepted it.
int Acted(const Result<void>& done, const Options& options, const std::string& what) {
  if (!done) return Fail(done.error());
  options.json ? PrintJson({{"ok", true}}) : Print(what + "\n");
  return kExitOk;
}

int Run(const Options& options) {
  if (options.command == "help") {
    Print(UsageText());
    return kExitOk;
  }
  if (options.command == "version") {
    Print(std::string("uplinkctl ") + UPLINKD_VERSION + "\n");
    return kExitOk;
  }
  auto client = UplinkdClient::Connect(options.bus);
  if (!client) return Fail(client.error());
  bool color = UseColor(options.color);

  if (options.command == "status") {
    auto snapshot = (*client)->Snapshot();
    if (!snapshot) return Fail(snapshot.error());
    options.json ? PrintJson(*snapshot) : Print(FormatStatus(*snapshot, color));
    return kExitOk;
  }
  const auto& args = options.arguments;
  if (options.command == "modem" && args.size() == 2) {
    std::string method = args[0] == "resume" ? "Resume" : args[0] == "reconnect" ? "Reconnect" : "Reset";
    return Acted((*client)->ModemCommand(args[1], method), options, args[0] + " " + args[1] + ": done");
  }
  if (options.command == "wan" && args.size() == 2) {
    return Acted((*client)->SetWanAdministrativeState(args[1], args[0] == "up"), options,
                 args[1] + " administratively " + args[0]);
  }
  if (options.command == "pin") {
    return Acted((*client)->PinClass(args[0], args[1], options.pin_seconds), options,
                 args[0] + " pinned to " + args[1] + " for " + std::to_string(options.pin_seconds) + " s");
  }
  if (options.command == "unpin") return Acted((*client)->UnpinClass(args[0]), options, args[0] + " unpinned");
  if (options.command == "audit") {
    auto rows = (*client)->ReadAudit(options.limit);
    if (!rows) return Fail(rows.error());
    options.json ? PrintJson(*rows) : Print(rows->empty() ? std::string("no audit rows\n") : FormatAuditTable(*rows, color));
    return kExitOk;
  }
  if (options.command == "modem") return ShowCollection(**client, options, "modems", "modem", FormatModemTable);
  if (options.command == "wan") return ShowCollection(**client, options, "wans", "Wan", FormatWanTable);
  if (options.command == "alerts") {
    auto snapshot = (*client)->Snapshot();
    if (!snapshot) return Fail(snapshot.error());
    const auto& relay = (*snapshot)["alert_relay"];
    if (!relay.is_object()) return Fail({ErrorCode::kNotFound, "this uplinkd publishes no alert relay", 0});
    options.json ? PrintJson(relay) : Print(FormatDetail(relay, color));
    return kExitOk;
  }
  if (options.command == "reload") {
    auto generation = (*client)->Reload();
    if (!generation) return Fail(generation.error());
    options.json ? PrintJson({{"generation", *generation}})
                 : Print("configuration generation " + std::to_string(*generation) + " running\n");
    return kExitOk;
  }
  if (options.command == "log-level") {
    auto set = (*client)->SetLogLevel(options.arguments[0]);
    if (!set) return Fail(set.error());
    if (options.json) PrintJson({{"ok", true}});
    return kExitOk;
  }
  if (options.command == "monitor") {
    auto seen = (*client)->Monitor(
        options.count, options.timeout_s,
        [&](const nlohmann::json& event) { options.json ? Print(event.dump() + "\n") : Print(FormatEvent(event, color)); },
        [&] {
          // On stderr, so scripts reading stdout see events only; tests wait for this line.
          std::cerr << "uplinkctl: monitoring " << (options.bus ? *options.bus : "the system bus") << "\n";
        });
    if (!seen) return Fail(seen.error());
    if (options.count != 0 && *seen < options.count) {
      std::cerr << "uplinkctl: " << *seen << " of " << options.count << " events before the timeout\n";
      return kExitTimeout;
    }
    return kExitOk;
  }
  std::cerr << "uplinkctl: unknown command " << options.command << "\n";
  return kExitUsage;
}

}  // namespace
}  // namespace uplinkd::ctl

int main(int argc, char** argv) {
  using namespace uplinkd::ctl;
  auto options = ParseOptions(std::vector<std::string>(argv + 1, argv + argc));
  if (!options) {
    std::cerr << "uplinkctl: " << options.error().message << "\n(uplinkctl --help shows the usage)\n";
    return kExitUsage;
  }
  return Run(*options);
}
