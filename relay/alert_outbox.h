#pragma once
// The durable outbox: every alert the relay acknowledges is first committed here (SQLite, WAL
// journal, synchronous=FULL: the commit's WAL frames are fsynced before Add() returns), and stays
// until the broker's PUBACK marks it delivered. Drain order: highest severity first, then oldest.
//
// Bounded: at most `max_alerts` rows (pending and delivered). When full, Add() makes room by
// removing, in this order, the oldest delivered row, then the oldest pending row of the lowest
// severity present, but only if that severity is below critical and not above the new alert's.
// Otherwise it refuses with kUnavailable ("busy", retryable): a new alert is never dropped
// silently, and a critical alert is never evicted.
//
// All calls are short local-disk work done on the event loop (one fsync per Add and per
// MarkDelivered batch); the database is opened in exclusive locking mode, so no other process
// can hold a lock we would wait on (a second uplinkd on the same state dir fails at Open).
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "relay/alert_record.h"

struct sqlite3;

namespace uplinkd::relay {

class AlertOutbox {
 public:
  struct Accepted {
    std::string id;
    bool duplicate = false;               // a resend of an alert already in the outbox
    std::optional<std::string> evicted;   // the id removed to make room, when one was
    bool evicted_was_pending = false;
  };
  struct Counts {
    uint64_t pending = 0;  // not yet acknowledged by the broker
    uint64_t stored = 0;   // pending + delivered rows kept for de-duplication
  };

  // Opens or creates the database file at `path`.
  static Result<std::unique_ptr<AlertOutbox>> Open(const std::string& path, uint64_t max_alerts);
  ~AlertOutbox();
  AlertOutbox(const AlertOutbox&) = delete;
  AlertOutbox& operator=(const AlertOutbox&) = delete;

  // Commits the alert durably. Errors: kUnavailable "busy: ..." when full (see above), kSystem
  // for a storage failure. A resend (same source and ref) answers the stored id, changing nothing.
  Result<Accepted> Add(const NewAlert& alert, int64_t now_ms);
  // Up to `limit` pending alerts in drain order.
  Result<std::vector<StoredAlert>> Pending(size_t limit) const;
  // Marks alerts delivered in one transaction; unknown or already delivered ids are ignored.
  // Returns how many turned from pending to delivered.
  Result<uint64_t> MarkDelivered(const std::vector<std::string>& ids, int64_t now_ms);
  Result<std::optional<StoredAlert>> Find(const std::string& id) const;

  const Counts& counts() const { return counts_; }
  uint64_t max_alerts() const { return max_alerts_; }
  // The random tag in every id of this outbox ("a-<tag>-<seq>").
  const std::string& tag() const { return tag_; }

 private:
  AlertOutbox(sqlite3* db, uint64_t max_alerts) : db_(db), max_alerts_(max_alerts) {}
  Result<void> Initialise();
  Result<void> Exec(const char* sql) const;
  Result<void> RefreshCounts();
  Result<std::optional<std::string>> FindByRef(const std::string& source, const std::string& ref) const;
  // Removes one row to make room for an alert of `incoming`; an empty id means nothing may go.
  Result<std::optional<std::pair<std::string, bool>>> EvictFor(AlertSeverity incoming);

  sqlite3* db_;
  uint64_t max_alerts_;
  std::string tag_;
  Counts counts_;
};

}  // namespace uplinkd::relay
