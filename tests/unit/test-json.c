// SPDX-License-Identifier: GPL-2.0
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "unit.h"

/* Runs @emit against a memory stream and returns what it wrote. */
static char *capture(void (*emit)(struct json *j))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	struct json j;

	json_init(&j, f);
	emit(&j);
	fclose(f);
	return buf;
}

static void emit_escapes(struct json *j)
{
	json_object_begin(j, NULL);
	json_string(j, "s", "a\"b\\c\nd\te\x01");
	json_object_end(j);
}

TEST(strings_are_escaped, "json: strings are escaped")
{
	char *out = capture(emit_escapes);

	EXPECT_TRUE(!strcmp(out, "{\n  \"s\": \"a\\\"b\\\\c\\nd\\te\\u0001\"\n}\n"));
	free(out);
}

static void emit_nesting(struct json *j)
{
	json_object_begin(j, NULL);
	json_array_begin(j, "empty");
	json_array_end(j);
	json_array_begin(j, "list");
	json_u64(j, NULL, 1);
	json_object_begin(j, NULL);
	json_hex(j, "h", 0x40201000);
	json_bool(j, "b", 1);
	json_null(j, "n");
	json_object_end(j);
	json_array_end(j);
	json_double(j, "d", 1.25);
	json_object_end(j);
}

TEST(nesting_and_commas, "json: nesting and commas")
{
	char *out = capture(emit_nesting);
	const char *want =
		"{\n"
		"  \"empty\": [],\n"
		"  \"list\": [\n"
		"    1,\n"
		"    {\n"
		"      \"h\": \"0x40201000\",\n"
		"      \"b\": true,\n"
		"      \"n\": null\n"
		"    }\n"
		"  ],\n"
		"  \"d\": 1.2\n"
		"}\n";

	/* %.1f rounds 1.25 to even: 1.2. */
	EXPECT_TRUE(!strcmp(out, want));
	if (strcmp(out, want))
		printf("# got:\n%s", out);
	free(out);
}

static void emit_nan(struct json *j)
{
	json_object_begin(j, NULL);
	json_double(j, "x", 0.0 / 0.0);
	json_object_end(j);
}

TEST(non_finite_is_null, "json: non-finite numbers are null")
{
	char *out = capture(emit_nan);

	EXPECT_TRUE(!strcmp(out, "{\n  \"x\": null\n}\n"));
	free(out);
}
