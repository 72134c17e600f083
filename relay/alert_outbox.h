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
// All calls are short local-disk work done on the event loop (one fsync per AddBatch, per
// MarkDelivered batch and per failed attempt recorded); the database is opened in exclusive
// locking mode, so no other process can hold a lock we would wait on (a second uplinkd on the same
// state dir fails at Open).
//
// Poison alerts: an alert blamed for `park_after` failed broker sessions is parked: kept, counted,
// shown, but no longer drained, so it cannot block the alerts behind it. An operator retries
// (Unpark) or drops it.
#include <cstdint>
#include <functional>
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
    uint64_t pending = 0;  // not yet acknowledged by the broker, not parked (what drains)
    uint64_t parked = 0;   // not acknowledged, parked after too many failed attempts
    uint64_t stored = 0;   // every row: pending, parked and delivered (kept for de-duplication)
  };
  // One alert's outcome in a batch.
  using Outcome = Result<Accepted>;

  // Opens or creates the database file at `path`.
  static Result<std::unique_ptr<AlertOutbox>> Open(const std::string& path, uint64_t max_alerts);
  ~AlertOutbox();
  AlertOutbox(const AlertOutbox&) = delete;
  AlertOutbox& operator=(const AlertOutbox&) = delete;

  // Commits the alerts durably in one transaction (one fsync): the relay's group commit. The outer
  // error (kSystem) means nothing of the batch was stored. Per alert: kUnavailable "busy: ..." when
  // full (see above), or Accepted; a resend (same sender uid, source and ref, also within the
  // batch) answers the stored id, changing nothing.
  Result<std::vector<Outcome>> AddBatch(const std::vector<NewAlert>& alerts, int64_t now_ms);
  // A batch of one.
  Result<Accepted> Add(const NewAlert& alert, int64_t now_ms);
  // Up to `limit` pending alerts in drain order.
  Result<std::vector<StoredAlert>> Pending(size_t limit) const;
  // Marks alerts delivered in one transaction; unknown or already delivered ids are ignored.
  // Returns how many turned from pending to delivered.
  Result<uint64_t> MarkDelivered(const std::vector<std::string>& ids, int64_t now_ms);
  Result<std::optional<StoredAlert>> Find(const std::string& id) const;
  // A broker session failed with this pending alert unacknowledged: counts it (persisted) and parks
  // the alert when the count reaches `park_after` (0: never). Returns whether it is parked now.
  Result<bool> RecordFailedAttempt(const std::string& id, uint32_t park_after, int64_t now_ms);
  // Parked alerts, oldest first.
  Result<std::vector<StoredAlert>> Parked(size_t limit) const;
  // An operator's decisions on a parked alert: drain it again with its count reset, or remove it.
  // kNotFound when `id` is not a parked alert of this outbox.
  Result<void> Unpark(const std::string& id);
  Result<void> DropParked(const std::string& id);
  // Test seam: when it returns true, the next COMMIT fails (SQLite's commit hook turns it into a
  // rollback), as a full or failing disk would.
  void set_commit_veto(std::function<bool()> veto);
  uint64_t commits() const { return commits_; }  // transactions that stored alerts
  const Counts& counts() const { return counts_; }
  // Goes up whenever the set of parked alerts may have changed (parked, retried, dropped,
  // delivered late, recounted): a reader of Parked() asks again only then.
  uint64_t parked_changes() const { return parked_changes_; }
  uint64_t max_alerts() const { return max_alerts_; }
  // The random tag in every id of this outbox ("a-<tag>-<seq>").
  const std::string& tag() const { return tag_; }

 private:
  AlertOutbox(sqlite3* db, uint64_t max_alerts) : db_(db), max_alerts_(max_alerts) {}
  Result<void> Initialise();
  Result<void> Exec(const char* sql) const;
  Result<void> Migrate();
  Result<void> RefreshCounts();
  Result<std::optional<std::string>> FindByRef(int64_t sender_uid, const std::string& source,
                                               const std::string& ref) const;
  // Removes one row to make room for an alert of `incoming`; an empty id means nothing may go. The
  // bool: the row was still pending (or parked).
  Result<std::optional<std::pair<std::string, bool>>> EvictFor(AlertSeverity incoming);
  // Adds one alert inside the open transaction, updating `counts`.
  Result<Outcome> AddOne(const NewAlert& alert, int64_t now_ms, Counts& counts);

  sqlite3* db_;
  uint64_t max_alerts_;
  std::string tag_;
  Counts counts_;
  uint64_t commits_ = 0;
  uint64_t parked_changes_ = 0;
  std::function<bool()> commit_veto_;
};

}  // namespace uplinkd::relay
