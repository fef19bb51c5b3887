#include "engine/core/redact.h"

#include <gtest/gtest.h>

namespace pgward {
namespace {

TEST(RedactTest, MasksPasswordsInKeywordValueConnectionStrings) {
  EXPECT_EQ(RedactSecrets("host=db user=app password=s3cret dbname=x"),
            "host=db user=app password=******** dbname=x");
  EXPECT_EQ(RedactSecrets("password = 's3 cr''et' host=db"), "password = ******** host=db");
  EXPECT_EQ(RedactSecrets("PASSWORD='a\\'b' x=1"), "PASSWORD=******** x=1");
  EXPECT_EQ(RedactSecrets("sslpassword=keypass"), "sslpassword=********");
}

TEST(RedactTest, MasksPasswordsInUris) {
  EXPECT_EQ(RedactSecrets("postgresql://app:s3cret@db.example.com:5432/x"),
            "postgresql://app:********@db.example.com:5432/x");
  EXPECT_EQ(RedactSecrets("postgres://app@db/x?sslmode=require&password=s3cret"),
            "postgres://app@db/x?sslmode=require&password=********");
  EXPECT_EQ(RedactSecrets("postgresql://db.example.com/x"), "postgresql://db.example.com/x");
  // libpq decodes a percent-encoded keyword: so does the redaction.
  EXPECT_EQ(RedactSecrets("postgresql://db/x?pass%77ord=SecretEnc1&sslmode=require"),
            "postgresql://db/x?pass%77ord=********&sslmode=require");
  EXPECT_EQ(RedactSecrets("postgresql://db/x?SSL%70ASSWORD=k"),
            "postgresql://db/x?SSL%70ASSWORD=********");
}

// An unquoted value runs to the next blank, commas included, as libpq and pg_hba.conf read it.
TEST(RedactTest, AnUnquotedSecretRunsToTheNextBlank) {
  EXPECT_EQ(RedactSecrets("host=db password=pw,DsnLeak4 dbname=x"),
            "host=db password=******** dbname=x");
  EXPECT_EQ(RedactSecrets("radius radiussecrets=one,two radiusports=1812"),
            "radius radiussecrets=******** radiusports=1812");
}

TEST(RedactTest, MasksHbaSecretsAndLeavesOtherTextAlone) {
  EXPECT_EQ(RedactSecrets("ldap ldapserver=a ldapbindpasswd=hunter2 ldapscope=sub"),
            "ldap ldapserver=a ldapbindpasswd=******** ldapscope=sub");
  EXPECT_EQ(RedactSecrets("radiussecrets=\"one,two\" radiusports=1812"),
            "radiussecrets=******** radiusports=1812");
  EXPECT_EQ(RedactSecrets("pg_hba.conf:3: password authentication failed for user app"),
            "pg_hba.conf:3: password authentication failed for user app");
}

}  // namespace
}  // namespace pgward
