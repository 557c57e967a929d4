/*
 * sql.c - the store's thin layer over SQLite: a per-connection cache of
 * prepared statements, binding by a small format string, stepping with the
 * failure recorded, result-code mapping and transactions.
 *
 * Every statement the store runs is a static string; its address is the
 * cache key, so each statement is prepared once per connection
 * (SQLITE_PREPARE_PERSISTENT) and reused.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store_int.h"

static size_t slot_hash(const char *sql, size_t n)
{
	uintptr_t p = (uintptr_t)sql;
	p ^= p >> 17;
	p *= (uintptr_t)0x9E3779B97F4A7C15ull;
	return (size_t)(p >> 7) & (n - 1);
}

static void slots_grow(struct store *s)
{
	size_t n = s->n_slots ? s->n_slots * 2 : 64;
	struct stmt_slot *slots = xcalloc(n, sizeof(*slots));

	for (size_t i = 0; i < s->n_slots; i++) {
		if (s->slots[i].sql == NULL)
			continue;
		size_t j = slot_hash(s->slots[i].sql, n);
		while (slots[j].sql != NULL)
			j = (j + 1) & (n - 1);
		slots[j] = s->slots[i];
	}
	free(s->slots);
	s->slots = slots;
	s->n_slots = n;
}

void store_db_record(struct store *s, int rc)
{
	s->last_rc = rc;
	snprintf(s->last_msg, sizeof(s->last_msg), "%s",
		 s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
	if (strcmp(s->last_msg, "not an error") == 0 || s->last_msg[0] == '\0')
		snprintf(s->last_msg, sizeof(s->last_msg), "%s", sqlite3_errstr(rc));
}

static sqlite3_stmt *db_stmt(struct store *s, const char *sql)
{
	if (s->n_used * 2 >= s->n_slots)
		slots_grow(s);
	size_t j = slot_hash(sql, s->n_slots);
	while (s->slots[j].sql != NULL && s->slots[j].sql != sql)
		j = (j + 1) & (s->n_slots - 1);
	if (s->slots[j].sql == sql) {
		sqlite3_stmt *st = s->slots[j].stmt;
		sqlite3_reset(st);
		sqlite3_clear_bindings(st);
		return st;
	}
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, &st, NULL);
	if (rc != SQLITE_OK) {
		store_db_record(s, rc);
		return NULL;
	}
	s->slots[j].sql = sql;
	s->slots[j].stmt = st;
	s->n_used++;
	return st;
}

void store_stmt_cache_free(struct store *s)
{
	for (size_t i = 0; i < s->n_slots; i++)
		if (s->slots[i].stmt != NULL)
			sqlite3_finalize(s->slots[i].stmt);
	free(s->slots);
	s->slots = NULL;
	s->n_slots = s->n_used = 0;
}

static sqlite3_stmt *db_vq(struct store *s, const char *sql, const char *fmt, va_list ap)
{
	sqlite3_stmt *st = db_stmt(s, sql);
	if (st == NULL)
		return NULL;
	int idx = 1;
	for (const char *f = fmt; *f != '\0'; f++, idx++) {
		int rc;
		switch (*f) {
		case 'i':
			rc = sqlite3_bind_int64(st, idx, va_arg(ap, int64_t));
			break;
		case 'I': {
			int64_t v = va_arg(ap, int64_t);
			rc = v != 0 ? sqlite3_bind_int64(st, idx, v) : sqlite3_bind_null(st, idx);
			break;
		}
		case 'd':
			rc = sqlite3_bind_int(st, idx, va_arg(ap, int));
			break;
		case 's': {
			const char *v = va_arg(ap, const char *);
			rc = v != NULL ? sqlite3_bind_text(st, idx, v, -1, SQLITE_TRANSIENT)
				       : sqlite3_bind_null(st, idx);
			break;
		}
		case 'n':
			rc = sqlite3_bind_null(st, idx);
			break;
		default:
			rc = SQLITE_MISUSE;
			break;
		}
		if (rc != SQLITE_OK) {
			store_db_record(s, rc);
			sqlite3_clear_bindings(st);
			return NULL;
		}
	}
	return st;
}

sqlite3_stmt *store_db_q(struct store *s, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = db_vq(s, sql, fmt, ap);
	va_end(ap);
	return st;
}

int store_db_step(struct store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);
	if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		return rc;
	rc = sqlite3_extended_errcode(s->db);
	store_db_record(s, rc);
	sqlite3_reset(st);
	return rc;
}

int store_db_exec(struct store *s, const char *sql, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = db_vq(s, sql, fmt, ap);
	va_end(ap);
	if (st == NULL)
		return s->last_rc;
	int rc;
	while ((rc = store_db_step(s, st)) == SQLITE_ROW)
		;
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

int store_db_int(struct store *s, const char *sql, int64_t *v_r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	sqlite3_stmt *st = db_vq(s, sql, fmt, ap);
	va_end(ap);
	if (st == NULL)
		return s->last_rc;
	int rc = store_db_step(s, st);
	if (rc == SQLITE_ROW)
		*v_r = sqlite3_column_int64(st, 0);
	sqlite3_reset(st);
	return rc;
}

int64_t store_db_changes(struct store *s)
{
	return sqlite3_changes64(s->db);
}

int64_t store_db_last_id(struct store *s)
{
	return sqlite3_last_insert_rowid(s->db);
}

enum gw_result store_db_result(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return GW_OK;
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
	case SQLITE_FULL:
	case SQLITE_IOERR:
	case SQLITE_NOMEM:
	case SQLITE_CANTOPEN:
	case SQLITE_PROTOCOL:
	case SQLITE_INTERRUPT:
	case SQLITE_READONLY:
	case SQLITE_NOLFS:
		return GW_TEMPFAIL;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		/* An operator can repair the file; a retry loses nothing. */
		return GW_TEMPFAIL;
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_TOOBIG:
	case SQLITE_RANGE:
		return GW_PERMFAIL;
	default:
		return GW_PERMFAIL;
	}
}

static void set_verror(char **error_r, const char *suffix, const char *fmt, va_list ap)
{
	if (error_r == NULL)
		return;
	struct buf b = BUF_INIT;
	buf_vprintf(&b, fmt, ap);
	if (suffix != NULL)
		buf_printf(&b, ": %s", suffix);
	free(*error_r);
	*error_r = buf_detach(&b);
}

enum gw_result store_db_fail(struct store *s, char **error_r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_verror(error_r, s->last_msg, fmt, ap);
	va_end(ap);
	enum gw_result r = store_db_result(s->last_rc);
	return r == GW_OK ? GW_PERMFAIL : r;
}

enum gw_result store_fail(char **error_r, enum gw_result r, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_verror(error_r, NULL, fmt, ap);
	va_end(ap);
	return r;
}

static const char SQL_BEGIN_IMMEDIATE[] = "BEGIN IMMEDIATE";
static const char SQL_BEGIN[] = "BEGIN";
static const char SQL_COMMIT[] = "COMMIT";
static const char SQL_ROLLBACK[] = "ROLLBACK";

static const char SQL_SAVEPOINT[] = "SAVEPOINT gw_op";
static const char SQL_RELEASE[] = "RELEASE gw_op";
static const char SQL_ROLLBACK_TO[] = "ROLLBACK TO gw_op";

enum gw_result store_tx_begin(struct store *s, int write, char **error_r)
{
	if (s->in_tx)
		return store_fail(error_r, GW_PERMFAIL, "store: transaction already open");
	if (s->request_tx) {
		/* Inside a request's transaction an operation is a savepoint:
		 * it still fails as a whole, and the request commits it. */
		if (write && s->request_tx != 2)
			return store_fail(error_r, GW_PERMFAIL,
					  "store: a change inside a read-only request");
		if (store_db_exec(s, SQL_SAVEPOINT, "") != SQLITE_OK)
			return store_db_fail(s, error_r, "savepoint");
		s->in_tx = 1;
		return GW_OK;
	}
	int rc = store_db_exec(s, write ? SQL_BEGIN_IMMEDIATE : SQL_BEGIN, "");
	if (rc != SQLITE_OK)
		return store_db_fail(s, error_r, "begin %s transaction", write ? "write" : "read");
	s->in_tx = 1;
	return GW_OK;
}

enum gw_result store_tx_end(struct store *s, enum gw_result r, char **error_r)
{
	if (!s->in_tx)
		return r;
	if (s->request_tx) {
		if (r == GW_OK) {
			if (store_db_exec(s, SQL_RELEASE, "") == SQLITE_OK) {
				s->in_tx = 0;
				return GW_OK;
			}
			r = store_db_fail(s, error_r, "release savepoint");
		}
		(void)store_db_exec(s, SQL_ROLLBACK_TO, "");
		(void)store_db_exec(s, SQL_RELEASE, "");
		s->in_tx = 0;
		return r;
	}
	if (r == GW_OK) {
		int rc = store_db_exec(s, SQL_COMMIT, "");
		if (rc == SQLITE_OK) {
			s->in_tx = 0;
			return GW_OK;
		}
		r = store_db_fail(s, error_r, "commit");
	}
	/* A failed COMMIT may leave the transaction open; ROLLBACK ends it
	 * (and fails harmlessly when SQLite already rolled back). */
	(void)store_db_exec(s, SQL_ROLLBACK, "");
	s->in_tx = 0;
	return r;
}

enum gw_result store_request_begin(struct store *s, int write, char **error_r)
{
	enum gw_result r;

	if (s->request_tx)
		return store_fail(error_r, GW_PERMFAIL, "store: request transaction already open");
	if ((r = store_tx_begin(s, write, error_r)) != GW_OK)
		return r;
	s->in_tx = 0;
	s->request_tx = write ? 2 : 1;
	return GW_OK;
}

enum gw_result store_request_end(struct store *s, int commit, char **error_r)
{
	enum gw_result r = commit ? GW_OK : GW_PERMFAIL;

	if (!s->request_tx)
		return GW_OK;
	if (s->in_tx)  /* an operation left open: not committed */
		(void)store_tx_end(s, GW_PERMFAIL, NULL);
	s->request_tx = 0;
	s->in_tx = 1;
	r = store_tx_end(s, r, error_r);
	return commit ? r : GW_OK;
}

int store_request_active(const struct store *s)
{
	return s->request_tx != 0;
}

char *store_col_str(sqlite3_stmt *st, int i)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	return xstrdup(t != NULL ? (const char *)t : "");
}

char *store_col_str_null(sqlite3_stmt *st, int i)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	return store_col_str(st, i);
}

int64_t store_col_i64(sqlite3_stmt *st, int i)
{
	return sqlite3_column_int64(st, i);
}

void *store_vec_push(void *items_p, size_t *count, size_t *cap, size_t elem)
{
	char **items = items_p;
	if (*count == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*items = xrealloc(*items, *cap * elem);
	}
	char *e = *items + *count * elem;
	memset(e, 0, elem);
	(*count)++;
	return e;
}
