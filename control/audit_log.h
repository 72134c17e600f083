#pragma once
// The audit log: one row per command attempt (permitted or refused), in SQLite in the state
// directory (audit.sqlite, WAL journal, synchronous=FULL: a row is on disk before the command's
// answer leaves), so it survives restarts and crashes. Bounded: it keeps the newest `max_rows`
// rows, trimming the oldest in the same transaction as each insert. Opened in exclusive locking
// mode like the alert outbox: the loop never waits on another process's lock.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "base/result.h"
#include "control/audit_record.h"

struct sqlite3;

namespace uplinkd::control {

class AuditLog {
 public:
  static Result<std::unique_ptr<AuditLog>> Open(const std::string& path, uint64_t max_rows);
  ~AuditLog();
  AuditLog(const AuditLog&) = delete;
  AuditLog& operator=(const AuditLog&) = delete;

  // Stores `record` (its seq is ignored) and answers the seq it got.
  Result<int64_t> Append(const AuditRecord& record);
  // The newest `limit` rows, oldest first.
  Result<std::vector<AuditRecord>> Newest(uint32_t limit) const;

  uint64_t max_rows() const { return max_rows_; }
  void set_max_rows(uint64_t max_rows) { max_rows_ = max_rows < 1 ? 1 : max_rows; }

 private:
  AuditLog(sqlite3* db, uint64_t max_rows) : db_(db), max_rows_(max_rows) {}
  Result<void> Initialise();
  Result<void> Exec(const char* sql) const;

  sqlite3* db_;
  uint64_t max_rows_;
};

}  // namespace uplinkd::control
