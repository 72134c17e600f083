#include "relay/alert_outbox.h"

#include <sqlite3.h>

#include <algorithm>
#include <charconv>
#include <random>

#include <fmt/format.h>

#include "base/sqlite_statement.h"

namespace uplinkd::relay {
namespace {

using Statement = SqliteStatement;

tl::unexpected<Error> StorageError(sqlite3* db, std::string_view what) {
  return MakeError(ErrorCode::kSystem, fmt::format("alert outbox: {}: {}", what, sqlite3_errmsg(db)));
}

constexpr const char* kColumns =
    "seq, ref, source, severity, time, payload, received_ms, delivered_ms, sender_uid, attempts, parked_ms";

std::string IdFor(const std::string& tag, int64_t seq) { return fmt::format("a-{}-{}", tag, seq); }

// The seq inside an id of this outbox; nullopt for an id of another outbox or garbage.
std::optional<int64_t> SeqOf(const std::string& tag, const std::string& id) {
  std::string prefix = "a-" + tag + "-";
  if (id.rfind(prefix, 0) != 0) return std::nullopt;
  int64_t seq = 0;
  const char* begin = id.data() + prefix.size();
  const char* end = id.data() + id.size();
  auto [rest, error] = std::from_chars(begin, end, seq);
  if (error != std::errc() || rest != end || begin == end) return std::nullopt;
  return seq;
}

StoredAlert ReadRow(const Statement& row, const std::string& tag) {
  StoredAlert alert;
  alert.seq = row.Int(0);
  alert.id = IdFor(tag, alert.seq);
  if (!row.IsNull(1)) alert.ref = row.Text(1);
  alert.source = row.Text(2);
  alert.severity = static_cast<AlertSeverity>(std::clamp<int64_t>(row.Int(3), 0, 3));
  alert.time = row.Text(4);
  alert.payload_json = row.Text(5);
  alert.received_ms = row.Int(6);
  if (!row.IsNull(7)) alert.delivered_ms = row.Int(7);
  alert.sender_uid = row.Int(8);
  alert.attempts = static_cast<uint32_t>(std::clamp<int64_t>(row.Int(9), 0, UINT32_MAX));
  if (!row.IsNull(10)) alert.parked_ms = row.Int(10);
  return alert;
}

}  // namespace

Result<std::unique_ptr<AlertOutbox>> AlertOutbox::Open(const std::string& path, uint64_t max_alerts) {
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    std::string message = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return MakeError(ErrorCode::kSystem, fmt::format("alert outbox {}: cannot open: {}", path, message));
  }
  std::unique_ptr<AlertOutbox> outbox(new AlertOutbox(db, std::max<uint64_t>(max_alerts, 1)));
  if (auto ready = outbox->Initialise(); !ready) {
    return MakeError(ready.error().code, fmt::format("{} ({})", ready.error().message, path));
  }
  return outbox;
}

AlertOutbox::~AlertOutbox() { sqlite3_close(db_); }

Result<void> AlertOutbox::Exec(const char* sql) const {
  char* message = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &message) != SQLITE_OK) {
    std::string text = message ? message : "?";
    sqlite3_free(message);
    return MakeError(ErrorCode::kSystem, fmt::format("alert outbox: {}: {}", sql, text));
  }
  return {};
}

Result<void> AlertOutbox::Initialise() {
  // Never wait on a lock: we are the only user (exclusive locking), so a lock held means another
  // process has this outbox open, and the loop must not stall on it.
  sqlite3_busy_timeout(db_, 0);
  // Exclusive locking before WAL: the WAL index then lives in our heap, not in a -shm file, and
  // the lock is held until close.
  for (const char* pragma : {"PRAGMA locking_mode=EXCLUSIVE", "PRAGMA journal_mode=WAL",
                             "PRAGMA synchronous=FULL", "PRAGMA foreign_keys=OFF"}) {
    if (auto done = Exec(pragma); !done) {
      if (sqlite3_errcode(db_) == SQLITE_BUSY || sqlite3_errcode(db_) == SQLITE_LOCKED) {
        return MakeError(ErrorCode::kUnavailable, "alert outbox: in use by another process");
      }
      return done;
    }
  }
  {
    Statement mode(db_, "PRAGMA journal_mode");
    if (!mode.prepared() || mode.Step() != SQLITE_ROW || mode.Text(0) != "wal") {
      return MakeError(ErrorCode::kSystem, "alert outbox: the file system does not support WAL");
    }
  }
  auto created = Exec(
      "BEGIN IMMEDIATE;"
      "CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);"
      "CREATE TABLE IF NOT EXISTS alerts ("
      "  seq INTEGER PRIMARY KEY AUTOINCREMENT,"
      "  ref TEXT, source TEXT NOT NULL, severity INTEGER NOT NULL, time TEXT NOT NULL,"
      "  payload TEXT NOT NULL, received_ms INTEGER NOT NULL, delivered_ms INTEGER,"
      "  sender_uid INTEGER NOT NULL DEFAULT -1, attempts INTEGER NOT NULL DEFAULT 0, parked_ms INTEGER);"
      "COMMIT;");
  if (created) created = Migrate();
  if (!created) {
    (void)Exec("ROLLBACK");
    if (sqlite3_errcode(db_) == SQLITE_BUSY || sqlite3_errcode(db_) == SQLITE_LOCKED) {
      return MakeError(ErrorCode::kUnavailable, "alert outbox: in use by another process");
    }
    return created;
  }
  {
    Statement read(db_, "SELECT value FROM meta WHERE key = 'tag'");
    if (read.prepared() && read.Step() == SQLITE_ROW) tag_ = read.Text(0);
  }
  if (tag_.empty()) {
    // The tag keeps ids unique when the state directory is wiped and seq starts again at 1.
    std::random_device random;
    tag_ = fmt::format("{:08x}", static_cast<uint32_t>(random()));
    Statement write(db_, "INSERT INTO meta(key, value) VALUES('tag', ?)");
    write.Bind(1, tag_);
    if (!write.prepared() || write.Step() != SQLITE_DONE) return StorageError(db_, "store tag");
  }
  return RefreshCounts();
}

// Outboxes made before sender uids and parking get their columns (old rows: uid unknown, no
// attempts) and the indexes that use them.
Result<void> AlertOutbox::Migrate() {
  std::vector<std::string> columns;
  {
    Statement info(db_, "PRAGMA table_info(alerts)");
    if (!info.prepared()) return StorageError(db_, "table info");
    while (info.Step() == SQLITE_ROW) columns.push_back(info.Text(1));
  }
  auto has = [&](const char* name) { return std::find(columns.begin(), columns.end(), name) != columns.end(); };
  if (auto begun = Exec("BEGIN IMMEDIATE"); !begun) return begun;
  for (auto [name, sql] : {std::pair{"sender_uid", "ALTER TABLE alerts ADD COLUMN sender_uid INTEGER NOT NULL DEFAULT -1"},
                           std::pair{"attempts", "ALTER TABLE alerts ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0"},
                           std::pair{"parked_ms", "ALTER TABLE alerts ADD COLUMN parked_ms INTEGER"}}) {
    if (has(name)) continue;
    if (auto added = Exec(sql); !added) {
      (void)Exec("ROLLBACK");
      return added;
    }
  }
  auto indexed = Exec(
      "DROP INDEX IF EXISTS alerts_by_ref;"
      "DROP INDEX IF EXISTS alerts_pending;"
      "CREATE UNIQUE INDEX IF NOT EXISTS alerts_by_sender_ref ON alerts(sender_uid, source, ref) WHERE ref IS NOT NULL;"
      "CREATE INDEX IF NOT EXISTS alerts_ready ON alerts(severity DESC, seq)"
      "  WHERE delivered_ms IS NULL AND parked_ms IS NULL;"
      "CREATE INDEX IF NOT EXISTS alerts_parked ON alerts(seq) WHERE delivered_ms IS NULL AND parked_ms IS NOT NULL;"
      "CREATE INDEX IF NOT EXISTS alerts_delivered ON alerts(seq) WHERE delivered_ms IS NOT NULL;"
      "COMMIT;");
  if (!indexed) (void)Exec("ROLLBACK");
  return indexed;
}

void AlertOutbox::set_commit_veto(std::function<bool()> veto) {
  commit_veto_ = std::move(veto);
  if (!commit_veto_) {
    sqlite3_commit_hook(db_, nullptr, nullptr);
    return;
  }
  sqlite3_commit_hook(
      db_, [](void* self) -> int { return static_cast<AlertOutbox*>(self)->commit_veto_() ? 1 : 0; }, this);
}

Result<void> AlertOutbox::RefreshCounts() {
  Statement count(db_,
                  "SELECT COUNT(*), COALESCE(SUM(delivered_ms IS NULL AND parked_ms IS NULL), 0),"
                  " COALESCE(SUM(delivered_ms IS NULL AND parked_ms IS NOT NULL), 0) FROM alerts");
  if (!count.prepared() || count.Step() != SQLITE_ROW) return StorageError(db_, "count");
  counts_.stored = static_cast<uint64_t>(count.Int(0));
  counts_.pending = static_cast<uint64_t>(count.Int(1));
  counts_.parked = static_cast<uint64_t>(count.Int(2));
  ++parked_changes_;
  return {};
}

Result<std::optional<std::string>> AlertOutbox::FindByRef(int64_t sender_uid, const std::string& source,
                                                          const std::string& ref) const {
  Statement find(db_, "SELECT seq FROM alerts WHERE sender_uid = ? AND source = ? AND ref = ?");
  if (!find.prepared()) return StorageError(db_, "prepare find");
  find.Bind(1, sender_uid);
  find.Bind(2, source);
  find.Bind(3, ref);
  int rc = find.Step();
  if (rc == SQLITE_ROW) return std::optional<std::string>(IdFor(tag_, find.Int(0)));
  if (rc != SQLITE_DONE) return StorageError(db_, "find by ref");
  return std::optional<std::string>();
}

Result<std::optional<std::pair<std::string, bool>>> AlertOutbox::EvictFor(AlertSeverity incoming) {
  using Evicted = std::optional<std::pair<std::string, bool>>;
  int64_t seq = 0;
  bool pending = false;
  {
    Statement delivered(db_, "SELECT seq FROM alerts WHERE delivered_ms IS NOT NULL ORDER BY seq LIMIT 1");
    if (!delivered.prepared()) return StorageError(db_, "prepare eviction");
    int rc = delivered.Step();
    if (rc == SQLITE_ROW) {
      seq = delivered.Int(0);
    } else if (rc != SQLITE_DONE) {
      return StorageError(db_, "eviction");
    }
  }
  if (seq == 0) {
    Statement lowest(db_,
                     "SELECT seq, severity FROM alerts WHERE delivered_ms IS NULL "
                     "ORDER BY severity ASC, seq ASC LIMIT 1");
    if (!lowest.prepared()) return StorageError(db_, "prepare eviction");
    int rc = lowest.Step();
    if (rc != SQLITE_ROW) return rc == SQLITE_DONE ? Result<Evicted>(Evicted()) : StorageError(db_, "eviction");
    auto severity = static_cast<AlertSeverity>(lowest.Int(1));
    if (severity == AlertSeverity::kCritical || severity > incoming) return Evicted();
    seq = lowest.Int(0);
    pending = true;
  }
  Statement erase(db_, "DELETE FROM alerts WHERE seq = ?");
  erase.Bind(1, seq);
  if (!erase.prepared() || erase.Step() != SQLITE_DONE) return StorageError(db_, "evict");
  return Evicted(std::pair{IdFor(tag_, seq), pending});
}

// Inside the batch's transaction: a savepoint per alert, so a busy one leaves the others intact.
Result<AlertOutbox::Outcome> AlertOutbox::AddOne(const NewAlert& alert, int64_t now_ms, Counts& counts) {
  Accepted accepted;
  if (alert.ref) {
    auto existing = FindByRef(alert.sender_uid, alert.source, *alert.ref);
    if (!existing) return tl::unexpected(existing.error());
    if (*existing) {
      accepted.id = **existing;
      accepted.duplicate = true;
      return Outcome(accepted);
    }
  }
  if (auto saved = Exec("SAVEPOINT alert"); !saved) return tl::unexpected(saved.error());
  auto undo = [this]() -> Result<void> {
    if (auto undone = Exec("ROLLBACK TO alert"); !undone) return undone;
    return Exec("RELEASE alert");
  };
  Counts next = counts;
  if (next.stored >= max_alerts_) {
    auto evicted = EvictFor(alert.severity);
    if (!evicted) return tl::unexpected(evicted.error());
    if (!*evicted) {
      if (auto undone = undo(); !undone) return tl::unexpected(undone.error());
      return Outcome(tl::unexpected(Error{ErrorCode::kUnavailable,
                                          fmt::format("busy: the outbox holds {} undelivered alerts of {} or higher severity",
                                                      next.pending + next.parked, AlertSeverityName(alert.severity))}));
    }
    accepted.evicted = (*evicted)->first;
    accepted.evicted_was_pending = (*evicted)->second;
    --next.stored;
    // The evicted row may have been a parked one: AddBatch then recounts after the commit.
    if (accepted.evicted_was_pending && next.pending > 0) --next.pending;
  }
  Statement insert(db_,
                   "INSERT INTO alerts(ref, source, severity, time, payload, received_ms, sender_uid)"
                   " VALUES(?, ?, ?, ?, ?, ?, ?)");
  if (!insert.prepared()) return StorageError(db_, "prepare insert");
  insert.Bind(1, alert.ref);
  insert.Bind(2, alert.source);
  insert.Bind(3, static_cast<int64_t>(alert.severity));
  insert.Bind(4, alert.time);
  insert.Bind(5, alert.payload_json);
  insert.Bind(6, now_ms);
  insert.Bind(7, alert.sender_uid);
  if (insert.Step() != SQLITE_DONE) return StorageError(db_, "insert");
  int64_t seq = sqlite3_last_insert_rowid(db_);
  if (auto released = Exec("RELEASE alert"); !released) return tl::unexpected(released.error());
  accepted.id = IdFor(tag_, seq);
  ++next.stored;
  ++next.pending;
  counts = next;
  return Outcome(accepted);
}

Result<std::vector<AlertOutbox::Outcome>> AlertOutbox::AddBatch(const std::vector<NewAlert>& alerts, int64_t now_ms) {
  std::vector<Outcome> outcomes;
  if (alerts.empty()) return outcomes;
  if (auto begun = Exec("BEGIN IMMEDIATE"); !begun) return tl::unexpected(begun.error());
  auto abandon = [this](Error error) -> Result<std::vector<Outcome>> {
    (void)Exec("ROLLBACK");
    (void)RefreshCounts();
    return tl::unexpected(std::move(error));
  };
  Counts next = counts_;
  bool stored = false;
  bool evicted_pending = false;
  for (const auto& alert : alerts) {
    auto outcome = AddOne(alert, now_ms, next);
    if (!outcome) return abandon(outcome.error());
    if (*outcome && !(*outcome)->duplicate) stored = true;
    if (*outcome && (*outcome)->evicted_was_pending) evicted_pending = true;
    outcomes.push_back(std::move(*outcome));
  }
  if (!stored) {
    // Only resends and refusals: nothing to make durable.
    (void)Exec("ROLLBACK");
    return outcomes;
  }
  // COMMIT with synchronous=FULL returns after the WAL is fsynced: only then may anyone of the
  // batch be acknowledged.
  if (auto committed = Exec("COMMIT"); !committed) return abandon(committed.error());
  ++commits_;
  counts_ = next;
  if (evicted_pending && counts_.parked > 0) (void)RefreshCounts();
  return outcomes;
}

Result<AlertOutbox::Accepted> AlertOutbox::Add(const NewAlert& alert, int64_t now_ms) {
  auto batch = AddBatch({alert}, now_ms);
  if (!batch) return tl::unexpected(batch.error());
  return std::move(batch->front());
}

Result<std::vector<StoredAlert>> AlertOutbox::Pending(size_t limit) const {
  std::string sql = fmt::format(
      "SELECT {} FROM alerts WHERE delivered_ms IS NULL AND parked_ms IS NULL ORDER BY severity DESC, seq ASC LIMIT ?", kColumns);
  Statement select(db_, sql.c_str());
  if (!select.prepared()) return StorageError(db_, "prepare pending");
  select.Bind(1, static_cast<int64_t>(limit));
  std::vector<StoredAlert> alerts;
  int rc;
  while ((rc = select.Step()) == SQLITE_ROW) alerts.push_back(ReadRow(select, tag_));
  if (rc != SQLITE_DONE) return StorageError(db_, "pending");
  return alerts;
}

Result<uint64_t> AlertOutbox::MarkDelivered(const std::vector<std::string>& ids, int64_t now_ms) {
  if (ids.empty()) return 0;
  if (auto begun = Exec("BEGIN IMMEDIATE"); !begun) return tl::unexpected(begun.error());
  // A parked alert's late PUBACK still counts: it was delivered.
  Statement update(db_, "UPDATE alerts SET delivered_ms = ?, parked_ms = NULL WHERE seq = ? AND delivered_ms IS NULL");
  if (!update.prepared()) {
    (void)Exec("ROLLBACK");
    return StorageError(db_, "prepare mark delivered");
  }
  uint64_t marked = 0;
  for (const auto& id : ids) {
    auto seq = SeqOf(tag_, id);
    if (!seq) continue;
    update.Reset();
    update.Bind(1, now_ms);
    update.Bind(2, *seq);
    if (update.Step() != SQLITE_DONE) {
      auto error = StorageError(db_, "mark delivered");
      (void)Exec("ROLLBACK");
      return error;
    }
    marked += static_cast<uint64_t>(sqlite3_changes(db_));
  }
  if (auto committed = Exec("COMMIT"); !committed) {
    (void)Exec("ROLLBACK");
    return tl::unexpected(committed.error());
  }
  counts_.pending -= std::min(marked, counts_.pending);
  // A late PUBACK of a parked alert delivered it: recount rather than guess which.
  if (counts_.parked > 0 && marked > 0) (void)RefreshCounts();
  return marked;
}

Result<std::optional<StoredAlert>> AlertOutbox::Find(const std::string& id) const {
  auto seq = SeqOf(tag_, id);
  if (!seq) return std::optional<StoredAlert>();
  std::string sql = fmt::format("SELECT {} FROM alerts WHERE seq = ?", kColumns);
  Statement select(db_, sql.c_str());
  if (!select.prepared()) return StorageError(db_, "prepare find");
  select.Bind(1, *seq);
  int rc = select.Step();
  if (rc == SQLITE_ROW) return std::optional<StoredAlert>(ReadRow(select, tag_));
  if (rc != SQLITE_DONE) return StorageError(db_, "find");
  return std::optional<StoredAlert>();
}

Result<bool> AlertOutbox::RecordFailedAttempt(const std::string& id, uint32_t park_after, int64_t now_ms) {
  auto seq = SeqOf(tag_, id);
  if (!seq) return MakeError(ErrorCode::kNotFound, "alert outbox: no alert " + id);
  Statement update(db_,
                   "UPDATE alerts SET attempts = attempts + 1,"
                   " parked_ms = CASE WHEN ?1 > 0 AND attempts + 1 >= ?1 THEN ?2 ELSE NULL END"
                   " WHERE seq = ?3 AND delivered_ms IS NULL AND parked_ms IS NULL RETURNING parked_ms");
  if (!update.prepared()) return StorageError(db_, "prepare attempt");
  update.Bind(1, static_cast<int64_t>(park_after));
  update.Bind(2, now_ms);
  update.Bind(3, *seq);
  int rc = update.Step();
  if (rc == SQLITE_DONE) return false;  // delivered or parked meanwhile
  if (rc != SQLITE_ROW) return StorageError(db_, "attempt");
  bool parked = !update.IsNull(0);
  if (update.Step() != SQLITE_DONE) return StorageError(db_, "attempt");
  if (parked) {
    --counts_.pending;
    ++counts_.parked;
    ++parked_changes_;
  }
  return parked;
}

Result<std::vector<StoredAlert>> AlertOutbox::Parked(size_t limit) const {
  std::string sql = fmt::format(
      "SELECT {} FROM alerts WHERE delivered_ms IS NULL AND parked_ms IS NOT NULL ORDER BY seq ASC LIMIT ?", kColumns);
  Statement select(db_, sql.c_str());
  if (!select.prepared()) return StorageError(db_, "prepare parked");
  select.Bind(1, static_cast<int64_t>(limit));
  std::vector<StoredAlert> alerts;
  int rc;
  while ((rc = select.Step()) == SQLITE_ROW) alerts.push_back(ReadRow(select, tag_));
  if (rc != SQLITE_DONE) return StorageError(db_, "parked");
  return alerts;
}

Result<void> AlertOutbox::Unpark(const std::string& id) {
  auto seq = SeqOf(tag_, id);
  if (!seq) return MakeError(ErrorCode::kNotFound, "no parked alert " + id);
  Statement update(db_,
                   "UPDATE alerts SET parked_ms = NULL, attempts = 0"
                   " WHERE seq = ? AND delivered_ms IS NULL AND parked_ms IS NOT NULL");
  if (!update.prepared()) return StorageError(db_, "prepare unpark");
  update.Bind(1, *seq);
  if (update.Step() != SQLITE_DONE) return StorageError(db_, "unpark");
  if (sqlite3_changes(db_) == 0) return MakeError(ErrorCode::kNotFound, "no parked alert " + id);
  --counts_.parked;
  ++counts_.pending;
  ++parked_changes_;
  return {};
}

Result<void> AlertOutbox::DropParked(const std::string& id) {
  auto seq = SeqOf(tag_, id);
  if (!seq) return MakeError(ErrorCode::kNotFound, "no parked alert " + id);
  Statement erase(db_, "DELETE FROM alerts WHERE seq = ? AND delivered_ms IS NULL AND parked_ms IS NOT NULL");
  if (!erase.prepared()) return StorageError(db_, "prepare drop");
  erase.Bind(1, *seq);
  if (erase.Step() != SQLITE_DONE) return StorageError(db_, "drop");
  if (sqlite3_changes(db_) == 0) return MakeError(ErrorCode::kNotFound, "no parked alert " + id);
  --counts_.parked;
  --counts_.stored;
  ++parked_changes_;
  return {};
}

}  // namespace uplinkd::relay
