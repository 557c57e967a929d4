/*
 * test_skip.c - the reasons why tests did not run, and the exit code that
 * tells ctest (test_skip.h).
 */
#include "test_skip.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define TEST_SKIP_REASONS 16

static pthread_mutex_t skip_mu = PTHREAD_MUTEX_INITIALIZER;
static char skip_reasons[TEST_SKIP_REASONS][256];
static int skip_count; /* reasons kept, at most TEST_SKIP_REASONS */
static int skipped;    /* notes, including reasons not kept */

void test_skip_note(const char *fmt, ...)
{
	char why[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	why[strcspn(why, "\r\n")] = '\0';
	pthread_mutex_lock(&skip_mu);
	skipped++;
	for (int i = 0; i < skip_count; i++) {
		if (strcmp(skip_reasons[i], why) == 0) {
			pthread_mutex_unlock(&skip_mu);
			return;
		}
	}
	if (skip_count < TEST_SKIP_REASONS)
		memcpy(skip_reasons[skip_count++], why, sizeof(why));
	pthread_mutex_unlock(&skip_mu);
}

int test_exit(int failures)
{
	if (failures != 0)
		return 1;
	if (skipped == 0)
		return 0;
	fflush(stderr);
	for (int i = 0; i < skip_count; i++)
		printf("SKIP: %s\n", skip_reasons[i]);
	fflush(stdout);
	return TEST_EXIT_SKIPPED;
}
