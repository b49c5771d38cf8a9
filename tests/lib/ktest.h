/* SPDX-License-Identifier: GPL-2.0 */
/*
 * ktest: the test harness of the unit tests and of the hardening programs,
 * in the shape of the kernel's kselftest harness.
 *
 *	TEST(name, "what it proves") { EXPECT_EQ(4, 2 + 2); }
 *
 *	FIXTURE(session) { int fd; };
 *	FIXTURE_VARIANT(session) { int backend; };
 *	FIXTURE_VARIANT_ADD(session, edu) { .backend = 1 };
 *	FIXTURE_SETUP(session) { self->fd = ...; ASSERT_LE(0, self->fd); }
 *	FIXTURE_TEARDOWN(session) { close(self->fd); }
 *	TEST_F(session, name, "what it proves") { ... self->fd ... }
 *
 * Every test runs in a child process of its own, once per variant of its
 * fixture: setup, the test, then teardown (also after a failed ASSERT in
 * the test, but not after one in setup). A crash, a timeout, or an exit
 * the test did not ask for (a leak report under LeakSanitizer) fails
 * that test alone. EXPECT_* marks the test failed and goes on; ASSERT_*
 * leaves it. Helpers that use them take struct ktest_meta *_ktest.
 *
 * Output is KTAP: "KTAP version 1", "1..N", "ok N what it proves" (with
 * " [variant]" for fixtures that have variants), "# SKIP reason", the
 * kselftest "# Totals:" line, and last "P passed, F failed" (", S
 * skipped" when any were), the line the test scripts add up.
 */
#ifndef IOMMU_STRESS_KTEST_H
#define IOMMU_STRESS_KTEST_H

#include <setjmp.h>
#include <stddef.h>
#include <string.h>

#include "errname.h"

/* The test running in this process, as the EXPECT and ASSERT macros see it. */
struct ktest_meta {
	jmp_buf env;		/* where a failed ASSERT goes */
	int failed;
	int skipped;
	int setup_done;		/* teardown is due */
	char reason[200];	/* why it was skipped */
};

struct ktest_variant {
	const char *name;
	const void *data;
	struct ktest_variant *next;
};

struct ktest_fixture {
	const char *name;
	struct ktest_variant *variants;
};

struct ktest {
	const char *name;	/* selects it on the command line */
	const char *desc;	/* its result line */
	struct ktest_fixture *fixture;	/* NULL: a plain TEST */
	void (*run)(struct ktest_meta *m, const void *variant);
	struct ktest *next;
};

/* For the parameters every test body gets, used or not. */
#define KTEST_UNUSED __attribute__((unused))

typedef void (*ktest_fixture_fn)(struct ktest_meta *m, void *self,
				 const void *variant);

void ktest_register(struct ktest *t);
void ktest_register_variant(struct ktest_fixture *f, struct ktest_variant *v);
void ktest_run_fixture(struct ktest_meta *m, void *self, const void *variant,
		       ktest_fixture_fn setup, ktest_fixture_fn body,
		       ktest_fixture_fn teardown);

/*
 * Runs the tests @sel selects (all when @nsel is 0). A selector is a
 * test's name, or a prefix of "fixture.variant.name" ending at a dot
 * ("abi.edu", "abi"); '-' and '_' are the same. Prints KTAP; returns the
 * exit code: 0 all passed or skipped, 1 some failed, 2 a selector
 * matched nothing.
 */
int ktest_run(int nsel, char *const sel[]);
/* The same from a command line: selectors, or -l to list the tests. */
int ktest_main(int argc, char **argv);
/* Seconds a test may take before it is killed and failed; 0: no limit. */
extern unsigned int ktest_timeout;

void ktest_fail_at(struct ktest_meta *m, const char *file, int line,
		   const char *fmt, ...) __attribute__((format(printf, 4, 5)));
void ktest_cmp_failed(struct ktest_meta *m, const char *file, int line,
		      const char *what, int is_signed, unsigned long long exp,
		      unsigned long long seen);
void ktest_skip(struct ktest_meta *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void ktest_log(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void ktest_bail(struct ktest_meta *m) __attribute__((noreturn));
/* "ENOENT" for ENOENT, "success" for 0: the tool's errno_name(), for a
 * message's arguments (the text lasts to the end of the statement). */
#define ktest_errname(err)	(errno_name(err).s)

#define KTEST_MAIN							\
	int main(int argc, char **argv)					\
	{								\
		return ktest_main(argc, argv);				\
	}

/* What a test's body sees: the harness's record, and a fixture's data. */
#define KTEST_ARGS struct ktest_meta *_ktest KTEST_UNUSED
#define KTEST_FIXTURE_ARGS(fx)						\
	struct ktest_meta *_ktest KTEST_UNUSED,				\
	struct ktest_self_##fx *self KTEST_UNUSED,			\
	const struct ktest_variant_##fx *variant KTEST_UNUSED

#define TEST(test_name, test_desc)					\
	static void ktest_body_##test_name(KTEST_ARGS);			\
	static void ktest_run_##test_name(struct ktest_meta *m,		\
					  const void *v)		\
	{								\
		(void)v;						\
		ktest_body_##test_name(m);				\
	}								\
	static struct ktest ktest_##test_name = {			\
		.name = #test_name, .desc = test_desc,			\
		.run = ktest_run_##test_name,				\
	};								\
	static void __attribute__((constructor))			\
	ktest_register_##test_name(void)				\
	{								\
		ktest_register(&ktest_##test_name);			\
	}								\
	static void ktest_body_##test_name(KTEST_ARGS)

/* FIXTURE(name) { members }; each run of a test gets them zeroed. */
#define FIXTURE(fx)							\
	struct ktest_self_##fx;						\
	struct ktest_variant_##fx;					\
	static struct ktest_fixture ktest_fixture_##fx = { .name = #fx }; \
	static void ktest_setup_##fx(KTEST_FIXTURE_ARGS(fx));		\
	static void ktest_teardown_##fx(KTEST_FIXTURE_ARGS(fx));	\
	static void ktest_setup_tramp_##fx(struct ktest_meta *m, void *s, \
					   const void *v)		\
	{								\
		ktest_setup_##fx(m, s, v);				\
	}								\
	static void ktest_teardown_tramp_##fx(struct ktest_meta *m,	\
					      void *s, const void *v)	\
	{								\
		ktest_teardown_##fx(m, s, v);				\
	}								\
	struct ktest_self_##fx

#define FIXTURE_SETUP(fx)						\
	static void ktest_setup_##fx(KTEST_FIXTURE_ARGS(fx))

#define FIXTURE_TEARDOWN(fx)						\
	static void ktest_teardown_##fx(KTEST_FIXTURE_ARGS(fx))

/* What varies between runs of a fixture's tests: FIXTURE_VARIANT(f) { ... }; */
#define FIXTURE_VARIANT(fx) struct ktest_variant_##fx

/* One run of them: FIXTURE_VARIANT_ADD(f, name) { .member = value }; */
#define FIXTURE_VARIANT_ADD(fx, vname)					\
	static const struct ktest_variant_##fx ktest_vdata_##fx##_##vname; \
	static struct ktest_variant ktest_variant_##fx##_##vname = {	\
		.name = #vname, .data = &ktest_vdata_##fx##_##vname,	\
	};								\
	static void __attribute__((constructor))			\
	ktest_register_##fx##_##vname(void)				\
	{								\
		ktest_register_variant(&ktest_fixture_##fx,		\
				       &ktest_variant_##fx##_##vname);	\
	}								\
	static const struct ktest_variant_##fx ktest_vdata_##fx##_##vname =

#define TEST_F(fx, test_name, test_desc)				\
	static void ktest_body_##fx##_##test_name(KTEST_FIXTURE_ARGS(fx)); \
	static void ktest_tramp_##fx##_##test_name(struct ktest_meta *m, \
						   void *s, const void *v) \
	{								\
		ktest_body_##fx##_##test_name(m, s, v);			\
	}								\
	static void ktest_run_##fx##_##test_name(struct ktest_meta *m,	\
						 const void *v)		\
	{								\
		/* Static: kept in memory across a failed ASSERT's longjmp. */ \
		static struct ktest_self_##fx self;			\
									\
		ktest_run_fixture(m, &self, v, ktest_setup_tramp_##fx,	\
				  ktest_tramp_##fx##_##test_name,	\
				  ktest_teardown_tramp_##fx);		\
	}								\
	static struct ktest ktest_##fx##_##test_name = {		\
		.name = #test_name, .desc = test_desc,			\
		.fixture = &ktest_fixture_##fx,				\
		.run = ktest_run_##fx##_##test_name,			\
	};								\
	static void __attribute__((constructor))			\
	ktest_register_##fx##_##test_name(void)				\
	{								\
		ktest_register(&ktest_##fx##_##test_name);		\
	}								\
	static void ktest_body_##fx##_##test_name(KTEST_FIXTURE_ARGS(fx))

/* Marks the test skipped with a reason, then runs @statement (e.g. return). */
#define SKIP(statement, ...)						\
	do {								\
		ktest_skip(_ktest, __VA_ARGS__);			\
		statement;						\
	} while (0)

/* A diagnostic line ("# ...") in the test's output. */
#define TH_LOG(...) ktest_log(__VA_ARGS__)

#define KTEST_IS_SIGNED(x) ((__typeof__(x))-1 < (__typeof__(x))1)

/*
 * Compares as signed when both sides are, else as unsigned: no sign
 * warnings for EXPECT_EQ(0, some_u32), and values print as they are.
 */
#define KTEST_CMP(fatal, exp, op, seen, what)				\
	do {								\
		__typeof__(exp) _kt_e = (exp);				\
		__typeof__(seen) _kt_s = (seen);			\
		int _kt_signed = KTEST_IS_SIGNED(_kt_e) &&		\
				 KTEST_IS_SIGNED(_kt_s);		\
									\
		if (_kt_signed ?					\
		    !((long long)_kt_e op (long long)_kt_s) :		\
		    !((unsigned long long)_kt_e op			\
		      (unsigned long long)_kt_s)) {			\
			ktest_cmp_failed(_ktest, __FILE__, __LINE__,	\
					 what, _kt_signed,		\
					 (unsigned long long)_kt_e,	\
					 (unsigned long long)_kt_s);	\
			if (fatal)					\
				ktest_bail(_ktest);			\
		}							\
	} while (0)

#define EXPECT_EQ(exp, seen)						\
	KTEST_CMP(0, exp, ==, seen, #exp " == " #seen)
#define EXPECT_NE(exp, seen)						\
	KTEST_CMP(0, exp, !=, seen, #exp " != " #seen)
#define EXPECT_LT(exp, seen)						\
	KTEST_CMP(0, exp, <, seen, #exp " < " #seen)
#define EXPECT_LE(exp, seen)						\
	KTEST_CMP(0, exp, <=, seen, #exp " <= " #seen)
#define EXPECT_GT(exp, seen)						\
	KTEST_CMP(0, exp, >, seen, #exp " > " #seen)
#define EXPECT_GE(exp, seen)						\
	KTEST_CMP(0, exp, >=, seen, #exp " >= " #seen)
#define ASSERT_EQ(exp, seen)						\
	KTEST_CMP(1, exp, ==, seen, #exp " == " #seen)
#define ASSERT_NE(exp, seen)						\
	KTEST_CMP(1, exp, !=, seen, #exp " != " #seen)
#define ASSERT_LT(exp, seen)						\
	KTEST_CMP(1, exp, <, seen, #exp " < " #seen)
#define ASSERT_LE(exp, seen)						\
	KTEST_CMP(1, exp, <=, seen, #exp " <= " #seen)
#define ASSERT_GT(exp, seen)						\
	KTEST_CMP(1, exp, >, seen, #exp " > " #seen)
#define ASSERT_GE(exp, seen)						\
	KTEST_CMP(1, exp, >=, seen, #exp " >= " #seen)

#define KTEST_BOOL(fatal, want, cond, what)				\
	do {								\
		if (!(cond) != !(want)) {				\
			ktest_fail_at(_ktest, __FILE__, __LINE__,	\
				      "expected %s: %s",		\
				      (want) ? "true" : "false", what);	\
			if (fatal)					\
				ktest_bail(_ktest);			\
		}							\
	} while (0)

#define EXPECT_TRUE(cond)	KTEST_BOOL(0, 1, cond, #cond)
#define EXPECT_FALSE(cond)	KTEST_BOOL(0, 0, cond, #cond)
#define ASSERT_TRUE(cond)	KTEST_BOOL(1, 1, cond, #cond)
#define ASSERT_FALSE(cond)	KTEST_BOOL(1, 0, cond, #cond)

#define KTEST_STR(fatal, equal, exp, seen, what)			\
	do {								\
		const char *_kt_e = (exp), *_kt_s = (seen);		\
									\
		if (!_kt_e || !_kt_s || (!strcmp(_kt_e, _kt_s)) != !!(equal)) { \
			ktest_fail_at(_ktest, __FILE__, __LINE__,	\
				      "expected %s: \"%s\" vs \"%s\"", what, \
				      _kt_e ? _kt_e : "(null)",		\
				      _kt_s ? _kt_s : "(null)");	\
			if (fatal)					\
				ktest_bail(_ktest);			\
		}							\
	} while (0)

#define EXPECT_STREQ(exp, seen)						\
	KTEST_STR(0, 1, exp, seen, #exp " == " #seen)
#define EXPECT_STRNE(exp, seen)						\
	KTEST_STR(0, 0, exp, seen, #exp " != " #seen)
#define ASSERT_STREQ(exp, seen)						\
	KTEST_STR(1, 1, exp, seen, #exp " == " #seen)
#define ASSERT_STRNE(exp, seen)						\
	KTEST_STR(1, 0, exp, seen, #exp " != " #seen)

/*
 * @call returns an errno, 0 for success (the hardening programs' call(),
 * or the negated return of a function that gives -errno): it must be @err.
 */
#define KTEST_ERRNO(fatal, err, call, what)				\
	do {								\
		int _kt_w = (err), _kt_g = (call);			\
									\
		if (_kt_w != _kt_g) {					\
			ktest_fail_at(_ktest, __FILE__, __LINE__,	\
				      "%s: expected %s, got %s", what,	\
				      ktest_errname(_kt_w),		\
				      ktest_errname(_kt_g));		\
			if (fatal)					\
				ktest_bail(_ktest);			\
		}							\
	} while (0)

#define EXPECT_ERRNO(err, call)	KTEST_ERRNO(0, err, call, #call)
#define ASSERT_ERRNO(err, call)	KTEST_ERRNO(1, err, call, #call)

#endif
