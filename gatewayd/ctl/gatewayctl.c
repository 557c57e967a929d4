/*
 * gatewayctl.c - gatewayd's admin command line: the command table, global
 * options, help, and the frame every command runs in (config, store,
 * exit code).
 *
 *   gatewayctl [-c CONF] [--json] COMMAND [SUBCOMMAND] ARGS...
 *
 * gatewayctl works on the SQLite database directly; the daemon need not
 * run.  Each command is one store operation.  The commands themselves live
 * in ctl_people.c (firm, accounts, contacts, staff, templates),
 * ctl_thread.c (threads, messages, tasks, reminders), ctl_admin.c
 * (init, link, outbox, inbound, tick), ctl_ops.c (backup, keys),
 * ctl_doctor.c (doctor), ctl_apikey.c (the JSON API's keys) and
 * ctl_person.c (a person's data: export, erase).  Exit codes: see ctl.h.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "ctl.h"
#include "i18n.h"
#include "inbox.h"
#include "search.h"

static const struct ctl_opt opts_none[] = { { NULL, 0, 0 } };

static const struct ctl_opt opts_firm_set[] = {
	{ "--name", 1, 0 },
	{ "--allow-client-chats", 0, 0 },
	{ "--no-client-chats", 0, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_contact_add[] = {
	{ "--no-notify", 0, 0 },
	{ "--may-create", 0, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_staff_add[] = {
	{ "--role", 1, 0 },
	{ "--view-all", 0, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_staff_set[] = {
	{ "--view-all", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_inbox_list[] = {
	{ "--unread", 0, 0 },
	{ "--limit", 1, 0 },
	{ "--before", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_inbox_read[] = {
	{ "--all", 0, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_thread_show[] = {
	{ "--as", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_language[] = {
	{ "--language", 1, 0 },
	{ "--timezone", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_template_add[] = {
	{ "--subject", 1, 0 },
	{ "--body", 1, 0 },
	{ "--task", 1, 1 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_thread_new[] = {
	{ "--from", 1, 0 },
	{ "--subject", 1, 0 },
	{ "--body", 1, 0 },
	{ "--template", 1, 0 },
	{ "--task", 1, 1 },
	{ "--remind", 0, 0 },
	{ "--remind-days", 1, 0 },
	{ "--remind-count", 1, 0 },
	{ "--show-content", 0, 0 },
	{ "--no-show-content", 0, 0 },
	{ "--link-label", 1, 1 },
	{ "--link-url", 1, 1 },
	{ "--attach", 1, 1 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_thread_list[] = {
	{ "--ref-url", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_search[] = {
	{ "--staff", 1, 0 },
	{ "--account", 1, 0 },
	{ "--archived", 1, 0 },
	{ "--assigned", 0, 0 },
	{ "--following", 0, 0 },
	{ "--unread", 0, 0 },
	{ "--reminders", 0, 0 },
	{ "--limit", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_thread_link[] = {
	{ "--label", 1, 0 },
	{ "--url", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_message_post[] = {
	{ "--from", 1, 0 },
	{ "--body", 1, 0 },
	{ "--internal", 0, 0 },
	{ "--assign-mentioned", 0, 0 },
	{ "--attach", 1, 1 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_by[] = {
	{ "--by", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_task_text[] = {
	{ "--text", 1, 0 },
	{ "--by", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_task_move[] = {
	{ "--position", 1, 0 },
	{ "--by", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_reminders_set[] = {
	{ "--on", 0, 0 },
	{ "--off", 0, 0 },
	{ "--days", 1, 0 },
	{ "--count", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_link[] = {
	{ "--for", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_outbox_list[] = {
	{ "--status", 1, 0 },
	{ "--thread", 1, 0 },
	{ "--limit", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_limit[] = {
	{ "--limit", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_audit[] = {
	{ "--account", 1, 0 },
	{ "--since", 1, 0 },
	{ "--before", 1, 0 },
	{ "--limit", 1, 0 },
	{ NULL, 0, 0 },
};

static const struct ctl_opt opts_tick[] = {
	{ "--now", 1, 0 },
	{ NULL, 0, 0 },
};

static const struct ctl_opt opts_backup[] = {
	{ "--force", 0, 0 },
	{ "--attachments", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_gc[] = {
	{ "--grace", 1, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_force[] = {
	{ "--force", 0, 0 },
	{ NULL, 0, 0 },
};
static const struct ctl_opt opts_doctor[] = {
	{ "--user", 1, 0 },
	{ NULL, 0, 0 },
};

static const struct ctl_opt opts_webhook_add[] = {
	{ "--events", 1, 0 },
	{ NULL, 0, 0 },
};

static const struct ctl_cmd commands[] = {
	{ "init", NULL, "",
	  "Create or migrate the database, the attachments directory and, when\n"
	  "missing, the link key file (one fresh signing key, mode 0600).\n"
	  "Prints what it did.  Safe to run again.\n",
	  opts_none, 0, 0, CTL_OPENS_STORE, ctl_cmd_init },

	{ "firm", "set", "--name NAME [--allow-client-chats|--no-client-chats]",
	  "Set the firm's name and whether client contacts may create chats.\n"
	  "Settings not given keep their value; --name is required while the\n"
	  "firm has no name.\n",
	  opts_firm_set, 0, 0, 0, ctl_cmd_firm_set },
	{ "firm", "show", "", "Show the firm's settings.\n",
	  opts_none, 0, 0, 0, ctl_cmd_firm_show },

	{ "account", "add", "NAME", "Add a client account; prints its id.\n",
	  opts_none, 1, 1, 0, ctl_cmd_account_add },
	{ "account", "list", "", "List the client accounts.\n",
	  opts_none, 0, 0, 0, ctl_cmd_account_list },

	{ "contact", "add", "ACCOUNT_ID NAME EMAIL [--no-notify] [--may-create]",
	  "Add a contact to a client account; prints its id.\n"
	  "  --no-notify    the contact gets no emails\n"
	  "  --may-create   the contact may create chats (when the firm allows\n"
	  "                 client chats); without it they may not\n",
	  opts_contact_add, 3, 3, 0, ctl_cmd_contact_add },
	{ "contact", "list", "ACCOUNT_ID", "List the contacts of a client account.\n",
	  opts_none, 1, 1, 0, ctl_cmd_contact_list },
	{ "contact", "notify", "CONTACT_ID on|off",
	  "Turn a contact's emails on or off.\n",
	  opts_none, 2, 2, 0, ctl_cmd_contact_notify },
	{ "contact", "language", "CONTACT_ID [--language LANG] [--timezone ZONE]",
	  "Set the language and time zone a contact reads pages and emails in\n"
	  "(\"-\" gives one back to the firm's [firm] setting); without options,\n"
	  "show them.\n",
	  opts_language, 1, 1, 0, ctl_cmd_contact_language },
	{ "contact", "revoke", "CONTACT_ID",
	  "Revoke every link sent to a contact (bumps their generation).\n",
	  opts_none, 1, 1, 0, ctl_cmd_contact_revoke },
	{ "contact", "show", "CONTACT_ID",
	  "Show a contact; a bouncing one as \"bouncing since DATE because\n"
	  "REASON\".\n",
	  opts_none, 1, 1, 0, ctl_cmd_contact_show },
	{ "contact", "bouncing", "",
	  "List the contacts whose address bounces (they get no emails).\n",
	  opts_none, 0, 0, 0, ctl_cmd_contact_bouncing },
	{ "contact", "clear-bounce", "CONTACT_ID",
	  "Clear a contact's bouncing mark: emails go out to them again.\n",
	  opts_none, 1, 1, 0, ctl_cmd_contact_clear_bounce },
	{ "contact", "email", "CONTACT_ID NEW_ADDRESS",
	  "Change a contact's address; every link sent to the old one is revoked.\n",
	  opts_none, 2, 2, 0, ctl_cmd_contact_email },
	{ "contact", "remove", "CONTACT_ID",
	  "Remove a contact: their messages stay, their links stop working, they\n"
	  "get no more emails (queued ones are cancelled).\n",
	  opts_none, 1, 1, 0, ctl_cmd_contact_remove },

	{ "staff", "add", "NAME EMAIL [--role owner|admin|member] [--view-all]",
	  "Add a staff member (default role member); prints their id.\n"
	  "Owners and admins see every account, members the accounts assigned\n"
	  "to them.\n"
	  "  --view-all   the member sees every account (not an admin's rights)\n",
	  opts_staff_add, 2, 2, 0, ctl_cmd_staff_add },
	{ "staff", "set", "STAFF_ID --view-all on|off",
	  "Give a member the right to view all accounts, or take it away.\n",
	  opts_staff_set, 1, 1, 0, ctl_cmd_staff_set },
	{ "inbox", "list", "STAFF_ID [--unread] [--limit N] [--before ITEM_ID]",
	  "A staff member's inbox, newest first: replies, new chats, tasks,\n"
	  "uploads, mentions, email replies and bouncing addresses that concern\n"
	  "them, with the place in the web view.\n"
	  "  --unread          unread items only\n"
	  "  --limit N         at most N items (1.." GW_STR(STORE_INBOX_LIMIT_MAX) ", default "
	  GW_STR(STORE_INBOX_LIMIT_DEFAULT) ")\n"
	  "  --before ITEM_ID  items older than this one (the next page)\n",
	  opts_inbox_list, 1, 1, 0, ctl_cmd_inbox_list },
	{ "inbox", "read", "STAFF_ID (ITEM_ID... | --all)",
	  "Mark inbox items read; an id that is not theirs marks nothing.\n",
	  opts_inbox_read, 1, -1, 0, ctl_cmd_inbox_read },
	{ "staff", "list", "", "List the staff.\n",
	  opts_none, 0, 0, 0, ctl_cmd_staff_list },
	{ "staff", "language", "STAFF_ID [--language LANG] [--timezone ZONE]",
	  "Set the language and time zone a staff member reads in (\"-\" for the\n"
	  "firm's); without options, show them.\n",
	  opts_language, 1, 1, 0, ctl_cmd_staff_language },
	{ "staff", "assign", "STAFF_ID ACCOUNT_ID",
	  "Assign a staff member to a client account.\n",
	  opts_none, 2, 2, 0, ctl_cmd_staff_assign },

	{ "template", "add", "NAME --subject S --body B [--task TEXT]...",
	  "Create or replace a chat template, with the client's tasks (one\n"
	  "--task each; none keeps a replaced template's).  Subject and body may hold\n"
	  "[ACCOUNT_NAME], [FIRM_NAME], [CURRENT_DATE]; the body also\n"
	  "[CONTACT_FIRST_NAME], [CONTACT_NAME], [CONTACT_EMAIL] (each contact\n"
	  "reads their own).  An unknown shortcode is refused.\n",
	  opts_template_add, 1, 1, 0, ctl_cmd_template_add },
	{ "template", "list", "", "List the chat templates.\n",
	  opts_none, 0, 0, 0, ctl_cmd_template_list },
	{ "template", "remove", "NAME",
	  "Delete a chat template; chats made from it keep their text.\n",
	  opts_none, 1, 1, 0, ctl_cmd_template_remove },

	{ "thread", "new",
	  "ACCOUNT_ID[,ACCOUNT_ID...] --from STAFF_ID (--subject S --body B | "
	  "--template NAME) [--task TEXT]... [--remind [--remind-days N] "
	  "[--remind-count N]] [--show-content|--no-show-content] "
	  "[--link-label L --link-url U]...\n"
	  "             [--attach FILE]...",
	  "Create a chat with one account, or one chat per account (bulk), in one\n"
	  "transaction; prints the thread ids, one per line.  Every notify-on\n"
	  "contact of the account gets an email.\n"
	  "  --from STAFF_ID      author of the first message\n"
	  "  --template NAME      subject and body from a template (--subject and\n"
	  "                       --body, when given too, replace the template's)\n"
	  "  --task TEXT          a client task (repeat for a checklist)\n"
	  "  --remind             remind the client when they do not respond\n"
	  "  --remind-days N      days between reminders (default [reminders])\n"
	  "  --remind-count N     reminders per staff message\n"
	  "  --show-content       notification emails carry the message text\n"
	  "  --no-show-content    they do not (default: [mail] show_content)\n"
	  "  --link-label L --link-url U\n"
	  "                       an external reference (staff only; repeat the\n"
	  "                       pair for more), see thread link\n"
	  "  --attach FILE        a file with the first message (repeat for\n"
	  "                       more; one account only; --body may then be\n"
	  "                       left out)\n",
	  opts_thread_new, 1, 1, 0, ctl_cmd_thread_new },
	{ "thread", "show", "THREAD_ID [--as contact:ID]",
	  "Show a thread: subject, account, status, reminder schedule, tasks,\n"
	  "messages oldest first (staff-only notes marked), attachments and links.\n"
	  "  --as contact:ID   as that contact of the account sees it: no internal\n"
	  "                    notes or links; changes nothing of theirs\n",
	  opts_thread_show, 1, 1, 0, ctl_cmd_thread_show },
	{ "thread", "list", "[ACCOUNT_ID] [--ref-url URL]",
	  "List the threads (open and archived), of one account if given.\n"
	  "  --ref-url URL   only threads with a link to exactly this URL\n",
	  opts_thread_list, 0, 1, 0, ctl_cmd_thread_list },
	{ "search", NULL, "QUERY... [--staff ID] [--account ID] [--archived open|archived|all]"
	  " [--assigned] [--following] [--unread] [--reminders] [--limit N]",
	  "Find chats whose messages (internal notes too), subject, client account\n"
	  "name or contact name hold every word of QUERY, the newest matching\n"
	  "message first.\n"
	  "The words are text: quotes, *, -, NEAR, AND, parentheses and colons\n"
	  "are searched for as they are.  Each word also finds longer words it\n"
	  "starts (\"invoice\" finds \"invoices\"); case and accents do not count.\n"
	  "  --staff ID        what that staff member sees (default: everything)\n"
	  "  --account ID      one client account\n"
	  "  --archived WHICH  open, archived or all (default all)\n"
	  "  --assigned        accounts assigned to --staff\n"
	  "  --following       threads --staff follows\n"
	  "  --unread          threads with news for --staff\n"
	  "  --reminders       threads whose reminders are running\n"
	  "  --limit N         at most N threads (default 50, at most "
	  GW_STR(STORE_SEARCH_LIMIT_MAX) ")\n",
	  opts_search, 1, -1, 0, ctl_cmd_search },
	{ "thread", "link", "THREAD_ID --label LABEL --url URL",
	  "Add an external reference to a thread: a label and an http:// or\n"
	  "https:// URL into the firm's own systems (a job, a case).  Staff see\n"
	  "it on the thread; clients never do.  Prints the link's id.\n",
	  opts_thread_link, 1, 1, 0, ctl_cmd_thread_link },
	{ "thread", "unlink", "THREAD_ID LINK_ID",
	  "Remove an external reference from a thread.\n",
	  opts_none, 2, 2, 0, ctl_cmd_thread_unlink },
	{ "thread", "read", "THREAD_ID --by contact:ID|staff:ID",
	  "Mark the thread read up to its latest message for that person.\n",
	  opts_by, 1, 1, 0, ctl_cmd_thread_read },
	{ "thread", "show-content", "THREAD_ID on|off",
	  "Whether the thread's notification emails carry the messages (rendered,\n"
	  "with their files listed) or only say that something happened.  New\n"
	  "chats take [mail] show_content unless told.\n",
	  opts_none, 2, 2, 0, ctl_cmd_thread_show_content },
	{ "thread", "archive", "THREAD_ID",
	  "Archive a thread: no more posts, reminders stop.\n",
	  opts_none, 1, 1, 0, ctl_cmd_thread_archive },
	{ "thread", "reopen", "THREAD_ID",
	  "Reopen an archived thread; reminders re-arm as if the last staff\n"
	  "message were new.\n",
	  opts_none, 1, 1, 0, ctl_cmd_thread_reopen },
	{ "thread", "resend", "THREAD_ID",
	  "Email every notify-on contact of the thread again now; prints how\n"
	  "many emails were queued and, when no contact gets one, why\n"
	  "(\"Nobody will be emailed: ...\").  The reminder schedule is unchanged.\n",
	  opts_none, 1, 1, 0, ctl_cmd_thread_resend },
	{ "thread", "people", "THREAD_ID",
	  "Who gets the thread's emails: each contact of its account with their\n"
	  "state (emailed, notifications_off, unsubscribed, bouncing, removed)\n"
	  "and since when, and the staff told when the client replies (assigned\n"
	  "to the account, standing in as nobody is, following the thread).\n",
	  opts_none, 1, 1, 0, ctl_cmd_thread_people },
	{ "thread", "follow", "THREAD_ID --by staff:ID",
	  "That staff member is told when the client replies in the thread,\n"
	  "even when not assigned to its account.  Whoever posts in a thread\n"
	  "or is mentioned in it follows it already.\n",
	  opts_by, 1, 1, 0, ctl_cmd_thread_follow },
	{ "thread", "unfollow", "THREAD_ID --by staff:ID",
	  "No longer told of the client's replies, unless assigned to the\n"
	  "thread's account.\n",
	  opts_by, 1, 1, 0, ctl_cmd_thread_unfollow },

	{ "message", "post", "THREAD_ID --from staff:ID|contact:ID --body B [--internal]\n"
	  "             [--assign-mentioned] [--attach FILE]...",
	  "Post a message; prints its id.  @Name mentions a staff member, who\n"
	  "is emailed; an @word that names no colleague, or a colleague who\n"
	  "cannot see the account, refuses the post (\\@word is plain text).  A\n"
	  "staff message that no contact will get says why on stderr\n"
	  "(\"Nobody will be emailed: ...\"; in --json, nobody_emailed).\n"
	  "  --internal           a note only staff see: no email to contacts,\n"
	  "                       reminders unchanged (staff only)\n"
	  "  --assign-mentioned   (owner, admin) assign the mentioned colleagues\n"
	  "                       who cannot see the account, then post\n"
	  "  --attach FILE        a file of the message (repeat for more, up to\n"
	  "                       20); text and files are one post and one\n"
	  "                       email; with files, --body may be left out\n",
	  opts_message_post, 1, 1, 0, ctl_cmd_message_post },

	{ "task", "done", "TASK_ID --by contact:ID|staff:ID",
	  "Tick a client task.\n",
	  opts_by, 1, 1, 0, ctl_cmd_task_done },
	{ "task", "add", "THREAD_ID --text TEXT [--by staff:ID]",
	  "Add a client task to an existing thread (at the end of the checklist).\n"
	  "A note only staff see names who added it; the client's open page\n"
	  "shows it at once.\n"
	  "  --text TEXT   the task: one line, at most 1000 bytes, not blank\n"
	  "  --by staff:ID the staff member doing it (must see the account);\n"
	  "                without it the note says the firm's tools did\n",
	  opts_task_text, 1, 1, 0, ctl_cmd_task_add },
	{ "task", "edit", "TASK_ID --text TEXT [--by staff:ID]",
	  "Change the text of a task (ticked or not).  The note keeps the old text.\n",
	  opts_task_text, 1, 1, 0, ctl_cmd_task_edit },
	{ "task", "remove", "TASK_ID [--by staff:ID]",
	  "Remove a task, done or not.  The progress counts and the reminders'\n"
	  "\"all tasks done\" rule follow; the note keeps the text.\n",
	  opts_by, 1, 1, 0, ctl_cmd_task_remove },
	{ "task", "move", "TASK_ID --position N [--by staff:ID]",
	  "Move a task to place N of its checklist (1 = first).\n",
	  opts_task_move, 1, 1, 0, ctl_cmd_task_move },

	{ "reminders", "set", "THREAD_ID (--on|--off) [--days N] [--count N]",
	  "Turn a thread's reminders on or off, or change them.  Writes a note\n"
	  "the client sees and restarts the cycle from now.\n"
	  "  --days N    days between reminders (1.." GW_STR(GW_REMINDER_DAYS_MAX) ")\n"
	  "  --count N   reminders per staff message (1.." GW_STR(GW_REMINDER_COUNT_MAX) ")\n",
	  opts_reminders_set, 1, 1, 0, ctl_cmd_reminders_set },

	{ "link", NULL, "THREAD_ID --for contact:ID|staff:ID",
	  "Print a signed View-chat URL for that person ([web] base_url/v/TOKEN,\n"
	  "valid for [links] view_ttl).  Refused for a contact of another\n"
	  "account or a staff member who may not see the thread.\n",
	  opts_link, 1, 1, 0, ctl_cmd_link },

	{ "outbox", "list", "[--status queued|sending|sent|failed] [--thread ID] [--limit N]",
	  "List outgoing emails, newest first.\n",
	  opts_outbox_list, 0, 0, 0, ctl_cmd_outbox_list },

	{ "inbound", "list", "[--limit N]",
	  "List received emails and what was decided about them, newest first.\n",
	  opts_limit, 0, 0, 0, ctl_cmd_inbound_list },

	{ "tick", NULL, "[--now ISO8601]",
	  "Run the scheduled work once: queue the reminders that are due (and\n"
	  "deliver due outbox rows where the daemon's relay is built in).\n"
	  "--now pins the clock (\"2026-11-25T09:30:00Z\", \"@SECONDS\").\n",
	  opts_tick, 0, 0, 0, ctl_cmd_tick },

	{ "person", "export", "contact:ID|staff:ID FILE [--force]",
	  "Write everything gatewayd holds about one person into FILE, a zip:\n"
	  "manifest.json, person.json (the person, the threads as they see them\n"
	  "with messages, tasks and files, the emails sent to them, the inbound\n"
	  "log rows about them) and files/ with each file's content.  A contact\n"
	  "never sees staff-only notes, and neither does their archive.\n"
	  "  --force   replace FILE when it exists (else exit 73)\n",
	  opts_force, 2, 2, 0, ctl_cmd_person_export },
	{ "person", "erase", "contact:ID",
	  "Erase a contact's personal data, in one transaction: name and address\n"
	  "replaced, their messages \"message removed\", their files deleted (the\n"
	  "content stays while another thread's file has the same), emails and\n"
	  "inbound log rows about them anonymised, their links and sessions dead.\n"
	  "Then the database is compacted (VACUUM) and the WAL emptied, so that\n"
	  "no freed page keeps the data.  Other people's messages stay.  Prints\n"
	  "the counts; the erasures table keeps them (never the data).  Refused\n"
	  "while the account is under a legal hold.  Cannot be undone.\n",
	  opts_none, 1, 1, 0, ctl_cmd_person_erase },
	{ "webhook", "list", "",
	  "List the webhook endpoints: source (config or api), state (enabled,\n"
	  "failing, disabled, removed), events waiting and delivered, last error.\n",
	  opts_none, 0, 0, 0, ctl_cmd_webhook_list },
	{ "webhook", "add", "NAME URL SECRET_FILE [--events LIST]",
	  "Add an endpoint (as the JSON API does); prints its id.  Endpoints of\n"
	  "[webhooks] in the config file are added by gatewayd at start.\n"
	  "  --events LIST   e.g. \"message.posted,chat.created\" (default: all)\n",
	  opts_webhook_add, 3, 3, 0, ctl_cmd_webhook_add },
	{ "webhook", "remove", "NAME|ID",
	  "Remove an endpoint added through the API, with its waiting events.\n",
	  opts_none, 1, 1, 0, ctl_cmd_webhook_remove },
	{ "webhook", "enable", "NAME|ID",
	  "Enable an endpoint again (after it was disabled for failing): its\n"
	  "waiting events go out now, in order.\n",
	  opts_none, 1, 1, 0, ctl_cmd_webhook_enable },
	{ "webhook", "disable", "NAME|ID",
	  "Stop posting to an endpoint; its events wait until it is enabled.\n",
	  opts_none, 1, 1, 0, ctl_cmd_webhook_disable },

	{ "apikey", "add", "NAME",
	  "Create a key for the JSON API ([api] listen) and print it.  The key\n"
	  "is shown only this once: the database keeps only its SHA-256.\n"
	  "Clients send it as \"Authorization: Bearer KEY\".\n",
	  opts_none, 1, 1, 0, ctl_cmd_apikey_add },
	{ "apikey", "revoke", "API_KEY_ID",
	  "Revoke an API key: requests made with it are refused from now on.\n",
	  opts_none, 1, 1, 0, ctl_cmd_apikey_revoke },
	{ "apikey", "list", "", "List the API keys (never the keys themselves).\n",
	  opts_none, 0, 0, 0, ctl_cmd_apikey_list },

	{ "backup", NULL, "FILE [--force] [--attachments DIR]",
	  "Copy the live database into FILE (SQLite online backup: the daemon\n"
	  "keeps running), check the copy's integrity, and rename it into place.\n"
	  "The key file is not in it: copy it too.\n"
	  "  --force            replace FILE when it exists (else exit 73)\n"
	  "  --attachments DIR  then copy the content files the copy names into\n"
	  "                     DIR (DIR/ab/HASH; files already there are skipped,\n"
	  "                     so one DIR serves every backup)\n",
	  opts_backup, 1, 1, CTL_OPENS_STORE, ctl_cmd_backup },
	{ "gc", NULL, "[--grace SECONDS]",
	  "Remove the content files of attachments that no row names any more\n"
	  "(left by an upload that failed, or after an erasure or retention),\n"
	  "and temp files of uploads that never finished.  Only files untouched\n"
	  "for the grace (default 3600 s) go: an upload whose row is about to\n"
	  "commit keeps its file.  Safe beside a running gatewayd.\n"
	  "  --grace SECONDS    how old an unreferenced file must be\n",
	  opts_gc, 0, 0, 0, ctl_cmd_gc },
	{ "doctor", NULL, "[--user NAME]",
	  "Check the installation and say in plain words what is wrong: config,\n"
	  "database (integrity, schema version), key file (mode, owner),\n"
	  "attachments directory and its content files (missing or no longer\n"
	  "referenced), the mail transport (SMTP greeting, sendmail\n"
	  "program, Maildir), addresses and [web] base_url.  Changes nothing.\n"
	  "Exit 0 when there is no problem, 65 when there is one.\n"
	  "  --user NAME   the daemon's user, whose access is judged (default\n"
	  "                gatewayd when that user exists, else yourself)\n",
	  opts_doctor, 0, 0, CTL_OPENS_STORE, ctl_cmd_doctor },
	{ "account", "hold", "ACCOUNT_ID [on|off]",
	  "Set (on) or lift (off) the legal hold of a client account, or show\n"
	  "it.  Retention deletes nothing of an account on hold.\n",
	  opts_none, 1, 2, 0, ctl_cmd_account_hold },
	{ "audit", NULL, "[--account ID] [--since DATE] [--before ID] [--limit N]",
	  "Show the audit log, newest first: who (staff, API key, gatewayctl)\n"
	  "saw or changed what, when and from where.\n"
	  "  --account ID    entries about this client account only\n"
	  "  --since DATE    entries at or after DATE (2026-11-25 or ISO 8601)\n"
	  "  --before ID     the next page: entries older than entry ID\n"
	  "  --limit N       at most N entries (1..1000, default 100)\n",
	  opts_audit, 0, 0, 0, ctl_cmd_audit },
	{ "retention", "run", "[--now ISO8601]",
	  "Delete once what is older than the [retention] periods, as the\n"
	  "daemon does every [retention] interval; accounts on legal hold are\n"
	  "left alone.\n"
	  "  --now TIME      act as if it were TIME (tests)\n",
	  opts_tick, 0, 0, 0, ctl_cmd_retention_run },
	{ "keys", "rotate", "",
	  "Add a new signing key to [links] key_file; the old keys keep\n"
	  "verifying links already sent.  Prints what to do next.\n",
	  opts_none, 0, 0, CTL_OPENS_STORE, ctl_cmd_keys_rotate },
};

static void print_synopsis(FILE *out, const struct ctl_cmd *cmd)
{
	fprintf(out, "  gatewayctl [-c CONF] [--json] %s%s%s%s%s\n", cmd->group,
		cmd->name != NULL ? " " : "", cmd->name != NULL ? cmd->name : "",
		*cmd->synopsis != '\0' ? " " : "", cmd->synopsis);
}

static void usage_all(FILE *out)
{
	fputs("usage: gatewayctl [-c CONF] [--json] COMMAND ...\n"
	      "\n"
	      "gatewayd's admin tool; works on the database directly.\n"
	      "\n"
	      "  -c, --config CONF   config file (default " CFG_DEFAULT_PATH ")\n"
	      "  --json              machine-readable output\n"
	      "  -h, --help          this text; COMMAND --help for one command\n"
	      "  --version           print the version\n"
	      "\n"
	      "commands:\n", out);
	for (size_t i = 0; i < GW_ARRAY_SIZE(commands); i++)
		print_synopsis(out, &commands[i]);
	fputs("\nexit codes: 0 ok, 64 usage, 65 data (unknown id, rule broken),\n"
	      "73 cannot create the output file, 75 temporary (database busy,\n"
	      "disk full), 78 configuration\n", out);
}

static void usage_cmd(FILE *out, const struct ctl_cmd *cmd)
{
	fputs("usage:\n", out);
	print_synopsis(out, cmd);
	fputc('\n', out);
	fputs(cmd->help, out);
}

static void usage_group(FILE *out, const char *group)
{
	fputs("usage:\n", out);
	for (size_t i = 0; i < GW_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].group, group) == 0)
			print_synopsis(out, &commands[i]);
}

static int group_exists(const char *group)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(commands); i++)
		if (strcmp(commands[i].group, group) == 0)
			return 1;
	return 0;
}

static const struct ctl_cmd *find_cmd(const char *group, const char *name)
{
	for (size_t i = 0; i < GW_ARRAY_SIZE(commands); i++) {
		const struct ctl_cmd *c = &commands[i];

		if (strcmp(c->group, group) != 0)
			continue;
		if (c->name == NULL || (name != NULL && strcmp(c->name, name) == 0))
			return c;
	}
	return NULL;
}

static int is_help(const char *s)
{
	return strcmp(s, "--help") == 0 || strcmp(s, "-h") == 0;
}

/* Global options before the command; returns the index of the command
 * word, or -1 after printing (exit code in *rc_r). */
static int parse_global(struct ctl *c, int argc, char **argv, int *rc_r)
{
	int i;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) {
			if (i + 1 >= argc) {
				*rc_r = ctl_usage(c, "%s needs a file name", a);
				return -1;
			}
			c->conf_path = argv[++i];
		} else if (strncmp(a, "--config=", 9) == 0) {
			c->conf_path = a + 9;
		} else if (strncmp(a, "-c", 2) == 0) {
			c->conf_path = a + 2;
		} else if (strcmp(a, "--json") == 0) {
			c->json = 1;
		} else if (is_help(a)) {
			usage_all(stdout);
			*rc_r = 0;
			return -1;
		} else if (strcmp(a, "--version") == 0) {
			printf("gatewayctl %s\n", GW_VERSION);
			*rc_r = 0;
			return -1;
		} else if (strcmp(a, "--") == 0) {
			i++;
			break;
		} else if (a[0] == '-') {
			*rc_r = ctl_usage(c, "unknown option '%s' (see gatewayctl --help)", a);
			return -1;
		} else {
			break;
		}
	}
	if (i >= argc) {
		usage_all(stderr);
		*rc_r = EX_USAGE;
		return -1;
	}
	return i;
}

/* Load the config and open the store for the command. */
static int prepare(struct ctl *c, const struct ctl_cmd *cmd)
{
	char *error = NULL;

	if (cfg_load(c->conf_path, &c->cfg, &error) < 0) {
		/* The message starts with FILE:LINE. */
		fprintf(stderr, "gatewayctl: %s\n", error);
		free(error);
		return EX_CONFIG;
	}
	/* Emails composed here (tick) and notes are in their readers' language. */
	if (i18n_init(&error) < 0) {
		fprintf(stderr, "gatewayctl: warning: %s\n", error);
		free(error);
	}
	i18n_defaults(c->cfg->firm.language, c->cfg->firm.timezone);
	/* gatewayctl's own words are English (notes and errors it prints);
	   the emails it composes are their readers' (compose sets them) */
	i18n_reader_set("en", "UTC");
	if (cmd->flags & CTL_OPENS_STORE)
		return 0;
	return ctl_open_store(c, 1);
}

int main(int argc, char **argv)
{
	struct ctl c = { .conf_path = CFG_DEFAULT_PATH };
	const struct ctl_cmd *cmd;
	struct ctl_args a;
	char *label = NULL;
	int i, rc = 0, help;

	/* `tick` and `doctor` talk SMTP: a peer that hangs up must give an
	 * error, not kill the program. */
	signal(SIGPIPE, SIG_IGN);
	i = parse_global(&c, argc, argv, &rc);
	if (i < 0)
		return rc;
	const char *group = argv[i++];
	if (!group_exists(group)) {
		return ctl_usage(&c, "'%s' is not a command (see gatewayctl --help)", group);
	}
	cmd = find_cmd(group, NULL);
	if (cmd == NULL) {
		/* A group: the next word names the command. */
		if (i >= argc || is_help(argv[i])) {
			int asked = i < argc;

			usage_group(asked ? stdout : stderr, group);
			return asked ? 0 : EX_USAGE;
		}
		cmd = find_cmd(group, argv[i]);
		if (cmd == NULL) {
			c.cmd = group;
			return ctl_usage(&c, "'%s' is not a %s command (see gatewayctl %s --help)",
					 argv[i], group, group);
		}
		i++;
	}
	label = cmd->name != NULL ? xasprintf("%s %s", cmd->group, cmd->name)
				  : xstrdup(cmd->group);
	c.cmd = label;

	rc = ctl_args_parse(&c, cmd, argc - i, argv + i, &a, &help);
	if (rc == 0 && help) {
		usage_cmd(stdout, cmd);
	} else if (rc == 0) {
		rc = prepare(&c, cmd);
		if (rc == 0)
			rc = ctl_audit_begin(&c);
		if (rc == 0)
			rc = ctl_audit_end(&c, &a, cmd->run(&c, &a));
	}
	if (fflush(stdout) != 0 && rc == 0)
		rc = ctl_error(&c, EX_TEMPFAIL, "cannot write the output");
	ctl_args_release(&a);
	store_close(&c.store);
	cfg_free(&c.cfg);
	free(label);
	return rc;
}
