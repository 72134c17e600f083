#pragma once
// A prepared SQLite statement that finalises itself, with the few bind/column calls our stores
// (the alert outbox, the audit log) use. SQLite's own header stays in the .cc.
#include <cstdint>
#include <optional>
#include <string>

struct sqlite3;
struct sqlite3_stmt;

namespace uplinkd {

class SqliteStatement {
 public:
  SqliteStatement(sqlite3* db, const char* sql);
  ~SqliteStatement();
  SqliteStatement(const SqliteStatement&) = delete;
  SqliteStatement& operator=(const SqliteStatement&) = delete;

  bool prepared() const;
  void Bind(int index, int64_t value);
  void Bind(int index, const std::string& value);
  void Bind(int index, const std::optional<std::string>& value);  // nullopt binds NULL
  // SQLITE_ROW, SQLITE_DONE or an error code.
  int Step();
  void Reset();
  int64_t Int(int column) const;
  bool IsNull(int column) const;
  std::string Text(int column) const;
  std::string ErrorText() const;

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

}  // namespace uplinkd
