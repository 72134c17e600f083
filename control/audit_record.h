#pragma once
// One attempt at a command, as the audit log keeps it. Every text field is already escaped
// (control characters) and secrets are redacted before a record is made.
#include <cstdint>
#include <string>

namespace uplinkd::control {

struct AuditRecord {
  int64_t seq = 0;       // assigned by the log, increasing, never reused
  int64_t time_ms = 0;   // wall clock, ms since the Unix epoch
  std::string principal; // "uid:1001", "sms:key-1", "unidentified"
  std::string via;       // how it came: "dbus :1.42 pid 812"
  std::string command;   // "modem-resume"
  std::string arguments; // "modem=modem1"
  bool permitted = false;
  std::string outcome;   // "ok", "replayed", or the error: "permission-denied", "invalid-argument", ...
  std::string message;   // the answer's message (empty for a plain ok)
  friend bool operator==(const AuditRecord&, const AuditRecord&) = default;
};

}  // namespace uplinkd::control
