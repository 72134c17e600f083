#include "base/sqlite_statement.h"

#include <sqlite3.h>

namespace uplinkd {

SqliteStatement::SqliteStatement(sqlite3* db, const char* sql) : db_(db) {
  rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr);
}
SqliteStatement::~SqliteStatement() { sqlite3_finalize(stmt_); }

bool SqliteStatement::prepared() const { return rc_ == SQLITE_OK; }
void SqliteStatement::Bind(int index, int64_t value) { sqlite3_bind_int64(stmt_, index, value); }
void SqliteStatement::Bind(int index, const std::string& value) {
  sqlite3_bind_text(stmt_, index, value.data(), static_cast<int>(value.size()), SQLITE_TRANSIENT);
}
void SqliteStatement::Bind(int index, const std::optional<std::string>& value) {
  if (value) {
    Bind(index, *value);
  } else {
    sqlite3_bind_null(stmt_, index);
  }
}
int SqliteStatement::Step() { return sqlite3_step(stmt_); }
void SqliteStatement::Reset() {
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
}
int64_t SqliteStatement::Int(int column) const { return sqlite3_column_int64(stmt_, column); }
bool SqliteStatement::IsNull(int column) const { return sqlite3_column_type(stmt_, column) == SQLITE_NULL; }
std::string SqliteStatement::Text(int column) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, column));
  return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, column))) : std::string();
}
std::string SqliteStatement::ErrorText() const { return sqlite3_errmsg(db_); }

}  // namespace uplinkd
