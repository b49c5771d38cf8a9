// SPDX-License-Identifier: GPL-2.0
#include <inttypes.h>
#include <math.h>

#include "json.h"

void json_init(struct json *j, FILE *f)
{
	j->f = f;
	j->depth = 0;
	j->count[0] = 0;
}

static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void member(struct json *j, const char *key)
{
	if (j->count[j->depth]++)
		fputc(',', j->f);
	if (j->depth)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	if (key) {
		put_string(j->f, key);
		fputs(": ", j->f);
	}
}

static void open_level(struct json *j, const char *key, char c)
{
	member(j, key);
	fputc(c, j->f);
	if (j->depth + 1 < JSON_MAX_DEPTH)
		j->depth++;
	j->count[j->depth] = 0;
}

static void close_level(struct json *j, char c)
{
	int had = j->count[j->depth];

	if (j->depth)
		j->depth--;
	if (had)
		fprintf(j->f, "\n%*s", 2 * j->depth, "");
	fputc(c, j->f);
	if (!j->depth)
		fputc('\n', j->f);
}

void json_object_begin(struct json *j, const char *key) { open_level(j, key, '{'); }
void json_object_end(struct json *j) { close_level(j, '}'); }
void json_array_begin(struct json *j, const char *key) { open_level(j, key, '['); }
void json_array_end(struct json *j) { close_level(j, ']'); }

void json_string(struct json *j, const char *key, const char *val)
{
	member(j, key);
	put_string(j->f, val);
}

void json_u64(struct json *j, const char *key, uint64_t val)
{
	member(j, key);
	fprintf(j->f, "%" PRIu64, val);
}

void json_int(struct json *j, const char *key, int64_t val)
{
	member(j, key);
	fprintf(j->f, "%" PRId64, val);
}

/* Register values and addresses read best as hex strings. */
void json_hex(struct json *j, const char *key, uint64_t val)
{
	char s[24];

	snprintf(s, sizeof(s), "0x%" PRIx64, val);
	json_string(j, key, s);
}

void json_double(struct json *j, const char *key, double val)
{
	member(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.1f", val);
	else
		fputs("null", j->f);
}

void json_fixed(struct json *j, const char *key, double val, int decimals)
{
	member(j, key);
	if (isfinite(val))
		fprintf(j->f, "%.*f", decimals, val);
	else
		fputs("null", j->f);
}

void json_bool(struct json *j, const char *key, int val)
{
	member(j, key);
	fputs(val ? "true" : "false", j->f);
}

void json_null(struct json *j, const char *key)
{
	member(j, key);
	fputs("null", j->f);
}

void json_index(struct json *j, const char *key, int64_t val)
{
	if (val >= 0)
		json_int(j, key, val);
	else
		json_null(j, key);
}

void json_string_or_null(struct json *j, const char *key, const char *val)
{
	if (val && val[0])
		json_string(j, key, val);
	else
		json_null(j, key);
}
