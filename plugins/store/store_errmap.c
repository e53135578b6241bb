/* store_errmap.c - MariaDB error numbers to store.h status codes. */
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include <cami/cami.h>
#include <cami/store.h>

#include "store_errmap.h"

int store_err_broken(unsigned err)
{
    switch (err) {
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_UNKNOWN_HOST:
    case CR_SERVER_LOST_EXTENDED:
    case ER_SERVER_SHUTDOWN:
    case ER_CONNECTION_KILLED:
    case CR_COMMANDS_OUT_OF_SYNC:
        return 1;
    default:
        return 0;
    }
}

int store_errmap(unsigned err)
{
    if (store_err_broken(err) && err != CR_COMMANDS_OUT_OF_SYNC)
        return CAMI_STORE_EDOWN;
    switch (err) {
    case ER_DUP_ENTRY:
    case ER_DUP_KEY:
    case ER_DUP_ENTRY_WITH_KEY_NAME:
        return CAMI_STORE_EDUPLICATE;
    case ER_NO_REFERENCED_ROW:
    case ER_ROW_IS_REFERENCED:
    case ER_NO_REFERENCED_ROW_2:
    case ER_ROW_IS_REFERENCED_2:
    case ER_BAD_NULL_ERROR:
    case ER_NO_DEFAULT_FOR_FIELD:
    case ER_WARN_NULL_TO_NOTNULL:
    case ER_DATA_TOO_LONG:
    case ER_WARN_DATA_OUT_OF_RANGE:
    case ER_TRUNCATED_WRONG_VALUE_FOR_FIELD:
    case ER_TRUNCATED_WRONG_VALUE:
    case ER_CONSTRAINT_FAILED:
        return CAMI_STORE_ECONSTRAINT;
    case ER_STATEMENT_TIMEOUT:
    case ER_LOCK_WAIT_TIMEOUT:
        return CAMI_ETIMEDOUT;
    case ER_PARSE_ERROR:
    case ER_EMPTY_QUERY:
    case ER_NO_SUCH_TABLE:
    case ER_BAD_FIELD_ERROR:
    case ER_BAD_TABLE_ERROR:
    case ER_NON_UNIQ_ERROR:
    case ER_WRONG_VALUE_COUNT_ON_ROW:
    case ER_WRONG_ARGUMENTS:
    case ER_SP_DOES_NOT_EXIST:
    case ER_UNSUPPORTED_PS:
    case ER_WRONG_FIELD_WITH_GROUP:
    case ER_TABLE_EXISTS_ERROR:
    case ER_WRONG_PARAMCOUNT_TO_PROCEDURE:
    case ER_NOT_SUPPORTED_YET:
        return CAMI_EINVAL;
    default:
        return CAMI_EFAIL;
    }
}
