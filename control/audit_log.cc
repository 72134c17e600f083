#include "control/audit_log.h"

#include <sqlite3.h>

#include <algorithm>

#include "base/sqlite_statement.h"

namespace uplinkd::control {
namespace {

tl::unexpected<Error> Failure(sqlite3* db, const std::string& what) {
  return MakeError(ErrorCode::kSystem, "audit log: " + what + ": " + sqlite3_errmsg(db));
}

}  // namespace

Result<std::unique_ptr<AuditLog>> AuditLog::Open(const std::string& path, uint64_t max_rows) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return MakeError(ErrorCode::kSystem, "audit log " + path + ": cannot open: " + message);
  }
  std::unique_ptr<AuditLog> log(new AuditLog(db, std::max<uint64_t>(max_rows, 1)));
  if (auto ready = log->Initialise(); !ready) {
    return MakeError(ready.error().code, ready.error().message + " (" + path + ")");
  }
  return log;
}

AuditLog::~AuditLog() { sqlite3_close(db_); }

Result<void> AuditLog::Exec(const char* sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) == SQLITE_OK) return {};
  std::string text = message ? message : "?";
  sqlite3_free(message);
  bool busy = sqlite3_errcode(db_) == SQLITE_BUSY || sqlite3_errcode(db_) == SQLITE_LOCKED;
  return MakeError(busy ? ErrorCode::kUnavailable : ErrorCode::kSystem,
                   busy ? "audit log: in use by another process" : "audit log: " + text);
}

Result<void> AuditLog::Initialise() {
  sqlite3_busy_timeout(db_, 0);
  // Exclusive locking first: the WAL index then lives in our heap and the lock is ours until close.
  if (auto locked = Exec("PRAGMA locking_mode=EXCLUSIVE; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;");
      !locked) {
    return locked;
  }
  SqliteStatement mode(db_, "PRAGMA journal_mode");
  if (!mode.prepared() || mode.Step() != SQLITE_ROW || mode.Text(0) != "wal") {
    return MakeError(ErrorCode::kSystem, "audit log: the file system does not support WAL");
  }
  return Exec(
      "CREATE TABLE IF NOT EXISTS audit ("
      "  seq INTEGER PRIMARY KEY AUTOINCREMENT, time_ms INTEGER NOT NULL, principal TEXT NOT NULL,"
      "  via TEXT NOT NULL, command TEXT NOT NULL, arguments TEXT NOT NULL, permitted INTEGER NOT NULL,"
      "  outcome TEXT NOT NULL, message TEXT NOT NULL)");
}

Result<int64_t> AuditLog::Append(const AuditRecord& record) {
  if (auto began = Exec("BEGIN IMMEDIATE"); !began) return tl::unexpected(began.error());
  SqliteStatement insert(db_,
                         "INSERT INTO audit (time_ms, principal, via, command, arguments, permitted, outcome, message)"
                         " VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  insert.Bind(1, record.time_ms);
  insert.Bind(2, record.principal);
  insert.Bind(3, record.via);
  insert.Bind(4, record.command);
  insert.Bind(5, record.arguments);
  insert.Bind(6, int64_t{record.permitted ? 1 : 0});
  insert.Bind(7, record.outcome);
  insert.Bind(8, record.message);
  if (!insert.prepared() || insert.Step() != SQLITE_DONE) {
    auto failure = Failure(db_, "insert");
    (void)Exec("ROLLBACK");
    return failure;
  }
  int64_t seq = sqlite3_last_insert_rowid(db_);
  // seq only grows, so the newest max_rows rows are those above seq - max_rows.
  SqliteStatement trim(db_, "DELETE FROM audit WHERE seq <= ?");
  trim.Bind(1, seq - static_cast<int64_t>(max_rows_));
  if (!trim.prepared() || trim.Step() != SQLITE_DONE) {
    auto failure = Failure(db_, "trim");
    (void)Exec("ROLLBACK");
    return failure;
  }
  if (auto committed = Exec("COMMIT"); !committed) {
    (void)Exec("ROLLBACK");
    return tl::unexpected(committed.error());
  }
  return seq;
}

Result<std::vector<AuditRecord>> AuditLog::Newest(uint32_t limit) const {
  SqliteStatement query(db_,
                        "SELECT seq, time_ms, principal, via, command, arguments, permitted, outcome, message"
                        " FROM audit ORDER BY seq DESC LIMIT ?");
  if (!query.prepared()) return Failure(db_, "read");
  query.Bind(1, int64_t{limit});
  std::vector<AuditRecord> records;
  int rc;
  while ((rc = query.Step()) == SQLITE_ROW) {
    records.push_back({query.Int(0), query.Int(1), query.Text(2), query.Text(3), query.Text(4), query.Text(5),
                       query.Int(6) != 0, query.Text(7), query.Text(8)});
  }
  if (rc != SQLITE_DONE) return Failure(db_, "read");
  std::reverse(records.begin(), records.end());
  return records;
}

}  // namespace uplinkd::control
