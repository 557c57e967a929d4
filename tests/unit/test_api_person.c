/*
 * test_api_person.c - the JSON API's person endpoints over loopback HTTP:
 * GET contacts/#/export and staff/#/export answer an owner with a zip
 * (read back with libarchive) and refuse anyone else; POST
 * contacts/#/erase wants the owner and a matching "confirm", erases, and
 * removes the content files after the commit.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "buf.h"
#include "clock.h"
#include "links.h"
#include "test_api_util.h"

void test_api_person_export_owner_gets_a_zip(void **state);
void test_api_person_erase_needs_owner_and_confirm(void **state);

#define ANNA_FILE "api-anna-file-5e21"
#define NOTE_TEXT "api-internal-note-7b90"

/* A file of Anna's on a message of hers, and a staff-only note. */
static char *add_anna_file(struct tfx *t)
{
	struct store_attachment_new a = { 0 };
	struct store_attachment got;
	char *error = NULL, *path;
	int64_t m = 0, id = 0;

	if (store_message_post(t->s, t->thread, STORE_CONTACT, t->anna, "My statement", &m,
			       &error) != GW_OK ||
	    store_note_add(t->s, t->thread, NOTE_TEXT, 1, NULL, &error) != GW_OK)
		fail_msg("seed: %s", error);
	a.thread_id = t->thread;
	a.message_id = m;
	a.uploader_kind = STORE_CONTACT;
	a.uploader_id = t->anna;
	a.file_name = "statement.txt";
	a.bytes = ANNA_FILE;
	a.len = strlen(ANNA_FILE);
	if (store_attachment_add(t->s, &a, &id, &error) != GW_OK ||
	    store_attachment_get(t->s, id, &got, &error) != GW_OK)
		fail_msg("attachment: %s", error);
	path = store_attachment_path(t->cfg->store.attachments_dir, got.sha256);
	store_attachment_clear(&got);
	return path;
}

/* The archive's entries: 1 when name is one and its data holds want
 * (NULL: any data); 0 when it is not there. */
static int zip_has(const struct resp *r, const char *name, const char *want)
{
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	int found = 0;

	archive_read_support_format_zip(a);
	if (archive_read_open_memory(a, r->body, r->body_len) != ARCHIVE_OK)
		fail_msg("not a zip: %s", archive_error_string(a));
	while (!found && archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		struct buf b = BUF_INIT;
		char chunk[4096];
		la_ssize_t n;

		while ((n = archive_read_data(a, chunk, sizeof(chunk))) > 0)
			buf_append(&b, chunk, (size_t)n);
		buf_putc(&b, '\0');
		if ((name == NULL || strncmp(archive_entry_pathname(ae), name, strlen(name)) == 0) &&
		    (want == NULL || strstr(b.data, want) != NULL))
			found = 1;
		buf_release(&b);
	}
	archive_read_free(a);
	return found;
}

void test_api_person_export_owner_gets_a_zip(void **state)
{
	struct tfx *t = *state;
	char *blob = add_anna_file(t);
	char *ok = fmt("/api/v1/contacts/%lld/export?by_staff=%lld", (long long)t->anna,
		       (long long)t->owner);
	char *member = fmt("/api/v1/contacts/%lld/export?by_staff=%lld", (long long)t->anna,
			   (long long)t->member);
	char *bare = fmt("/api/v1/contacts/%lld/export", (long long)t->anna);
	char *nobody = fmt("/api/v1/contacts/999/export?by_staff=%lld", (long long)t->owner);
	char *ghost = fmt("/api/v1/contacts/%lld/export?by_staff=999", (long long)t->anna);
	char *staff = fmt("/api/v1/staff/%lld/export?by_staff=%lld", (long long)t->member,
			  (long long)t->owner);
	char *disp = fmt("attachment; filename=\"contact-%lld.zip\"", (long long)t->anna);
	struct resp r = req(t, "GET", ok, NULL, NULL);

	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "application/zip");
	assert_string_equal(r.disposition, disp);
	assert_true(zip_has(&r, "manifest.json", "gatewayd-person-export"));
	assert_true(zip_has(&r, "person.json", "anna@acme.example"));
	assert_true(zip_has(&r, "files/", ANNA_FILE));
	assert_false(zip_has(&r, NULL, NOTE_TEXT));   /* staff-only */
	resp_free(&r);

	/* A member sees the staff-only note in their own export. */
	r = req(t, "GET", staff, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_true(zip_has(&r, "person.json", NOTE_TEXT));
	resp_free(&r);

	call_error(t, "GET", member, NULL, 403, "forbidden", "by_staff", "only an owner");
	call_error(t, "GET", bare, NULL, 400, "missing_parameter", "by_staff", NULL);
	call_error(t, "GET", nobody, NULL, 404, "not_found", NULL, "contact 999");
	call_error(t, "GET", ghost, NULL, 404, "not_found", "by_staff", NULL);
	free(blob);
	free(ok);
	free(member);
	free(bare);
	free(nobody);
	free(ghost);
	free(staff);
	free(disp);
}

void test_api_person_erase_needs_owner_and_confirm(void **state)
{
	struct tfx *t = *state;
	char *blob = add_anna_file(t);
	char *path = fmt("/api/v1/contacts/%lld/erase", (long long)t->anna);
	char *show = fmt("/api/v1/contacts/%lld", (long long)t->anna);
	char *links = fmt("/api/v1/threads/%lld/links", (long long)t->thread);
	char *lbody = fmt("{\"for_contact\": %lld}", (long long)t->anna);
	char *by_member = fmt("{\"by_staff\": %lld, \"confirm\": \"contact:%lld\"}",
			      (long long)t->member, (long long)t->anna);
	char *no_confirm = fmt("{\"by_staff\": %lld}", (long long)t->owner);
	char *wrong = fmt("{\"by_staff\": %lld, \"confirm\": \"contact:%lld\"}",
			  (long long)t->owner, (long long)t->ben);
	char *good = fmt("{\"by_staff\": %lld, \"confirm\": \"contact:%lld\"}",
			 (long long)t->owner, (long long)t->anna);
	struct link_claims cl;
	char *hold;
	json_t *j = call(t, "POST", links, lbody, 200);
	char *token = xstrdup(jstr(j, "token"));

	json_decref(j);
	call_error(t, "POST", path, by_member, 403, "forbidden", "by_staff", "only an owner");
	call_error(t, "POST", path, no_confirm, 400, "missing_field", "confirm", NULL);
	call_error(t, "POST", path, wrong, 422, "invalid_value", "confirm", "contact:");
	call_error(t, "POST", "/api/v1/contacts/999/erase",
		   "{\"by_staff\": 1, \"confirm\": \"contact:999\"}", 404, "not_found", NULL,
		   "contact 999");
	/* Under a legal hold of her account: refused with the reason. */
	hold = fmt("/api/v1/accounts/%lld/hold", (long long)t->acme);
	json_decref(call(t, "PUT", hold, "{\"on\": true}", 200));
	call_error(t, "POST", path, good, 422, "rule_violation", NULL, "legal hold");
	json_decref(call(t, "PUT", hold, "{\"on\": false}", 200));
	/* Nothing of the refusals changed her. */
	j = call(t, "GET", show, NULL, 200);
	assert_string_equal(jstr(j, "email"), "anna@acme.example");
	json_decref(j);
	assert_int_equal(access(blob, F_OK), 0);

	j = call(t, "POST", path, good, 200);
	assert_int_equal(jint(j, "contact_id"), t->anna);
	assert_int_equal(jint(j, "messages"), 1);
	assert_int_equal(jint(j, "files"), 1);
	json_decref(j);
	j = call(t, "GET", show, NULL, 200);
	assert_string_equal(jstr(j, "name"), "Erased contact");
	assert_null(strstr(jstr(j, "email"), "acme"));
	json_decref(j);
	/* removed after the commit, and her link is dead */
	assert_int_equal(access(blob, F_OK), -1);
	assert_int_not_equal(link_verify(t->keys, token, LINK_VIEW, clock_now(),
					 store_link_generation, t->s, &cl), LINK_OK);
	free(token);
	free(hold);
	free(blob);
	free(path);
	free(show);
	free(links);
	free(lbody);
	free(by_member);
	free(no_confirm);
	free(wrong);
	free(good);
}
