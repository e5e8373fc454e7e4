# pg_salesops: PGXS build.
#
# The install script is generated: the per-room SQL files under src/ are
# concatenated in dependency order (rule -> concept -> scoring -> pipeline ->
# incentive -> worker).  Only rooms that exist are listed in ROOMS.

EXTENSION = pg_salesops
EXTVERSION = 0.1.0

MODULE_big = pg_salesops
OBJS = \
	src/pg_salesops.o \
	src/rule/rule_parse.o \
	src/rule/rule_type.o \
	src/rule/rule_eval.o \
	src/rule/rule_explain.o \
	src/pipeline/dwell_stats.o \
	src/pipeline/pipeline.o \
	src/pipeline/stage_trigger.o

ROOMS = rule pipeline
ROOM_SQL = src/pg_salesops.sql $(foreach r,$(ROOMS),src/$(r)/$(r).sql)

DATA_built = $(EXTENSION)--$(EXTVERSION).sql
DOCS = README.md

TESTS = $(sort $(wildcard sql/*.sql))
REGRESS = $(patsubst sql/%.sql,%,$(TESTS))
REGRESS_OPTS = --inputdir=. --load-extension=$(EXTENSION)

ISOLATION = $(patsubst test/isolation/specs/%.spec,%,$(sort $(wildcard test/isolation/specs/*.spec)))
ISOLATION_OPTS = --inputdir=test/isolation --load-extension=$(EXTENSION)

PG_CPPFLAGS = -I$(srcdir)/src -Wextra -Wno-unused-parameter -Wno-sign-compare \
	-Wno-missing-field-initializers
EXTRA_CLEAN = $(DATA_built) results/ regression.diffs regression.out output_iso/ tmp_check/

PG_CONFIG ?= pg_config
PGXS := $(shell $(PG_CONFIG) --pgxs)
include $(PGXS)

$(EXTENSION)--$(EXTVERSION).sql: $(ROOM_SQL) Makefile
	( printf -- '-- pg_salesops %s install script, generated from %s: do not edit.\n' \
		'$(EXTVERSION)' '$(ROOM_SQL)'; \
	  printf '%s\n' '\echo Use "CREATE EXTENSION pg_salesops" to load this file. \quit'; \
	  for f in $(ROOM_SQL); do printf '\n-- ---- %s ----\n' "$$f"; cat "$$f"; done ) > $@

$(OBJS): src/pg_salesops.h src/rule/rule.h src/pipeline/pipeline.h
