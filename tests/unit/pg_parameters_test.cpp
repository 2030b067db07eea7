// The rewrite that lets store/statements.h serve PostgreSQL: SQLite's ?N parameters
// become $N, and nothing else in the statement changes.

#include "store/postgres/connection.h"

#include <gtest/gtest.h>

namespace parkd::pg {
namespace {

TEST(NumberedParameters, QuestionMarkParametersBecomeDollarParameters) {
  EXPECT_EQ(numbered_parameters("UPDATE users SET role = ?2 WHERE id = ?1 AND x > ?12"),
            "UPDATE users SET role = $2 WHERE id = $1 AND x > $12");
}

TEST(NumberedParameters, DollarParametersAndLiteralsAreLeftAlone) {
  EXPECT_EQ(numbered_parameters("SELECT $1, '?1', 'it''s ?2' WHERE a = ?3"),
            "SELECT $1, '?1', 'it''s ?2' WHERE a = $3");
}

TEST(NumberedParameters, AQuestionMarkWithoutANumberIsNotAParameter) {
  // PostgreSQL's jsonb operators are spelled with a bare ?.
  EXPECT_EQ(numbered_parameters("SELECT data ? 'key' FROM t WHERE id = ?1"),
            "SELECT data ? 'key' FROM t WHERE id = $1");
}

}  // namespace
}  // namespace parkd::pg
