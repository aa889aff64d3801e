# Outpost — one Makefile for the store library, both programs and the tests.
#   make            build bin/outpost and bin/outpostd
#   make test       unit tests (Criterion) and end-to-end tests
#   make demo       HQ and branches on loopback: offline edits, sync, result
#   make bench      journal overhead, sync throughput and other ratios
#   make mutate     mutants of the product that the tests must kill (MUTANTS=names)
#   make soak SEEDS=N  the fault harness over N seeds, every fault kind
#   make SANITIZE=address,undefined test
#   make install PREFIX=/usr/local DESTDIR=   binaries, systemd units, man pages
#   make install-service                      and the outpost user, group, /var/lib/outpost
#   make pot        extract the translatable strings (xgettext) and merge them into po/

PREFIX  ?= /usr/local
DESTDIR ?=
UNITDIR ?= $(PREFIX)/lib/systemd/system
STATEDIR ?= /var/lib/outpost
UNITS   := outpostd.service outpost-backup.service outpost-backup.timer
CC      ?= cc
B       := build
BIN     := bin
PKGS    := sqlite3 libzmq zlib libgit2 libsodium icu-i18n icu-uc libmicrohttpd

CFLAGS  ?= -O2 -g
# The include path is the dependency graph (DESIGN.md): schema/ sees only
# itself, daemon/ schema/ too, the client and the tools everything.
INC      = -Ischema -Idaemon -Iclient
$(B)/schema/%.o: INC = -Ischema
$(B)/daemon/%.o: INC = -Ischema -Idaemon
CFLAGS  += -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wno-unused-parameter \
           $(INC) -I$(B) -MMD -MP \
           -DOP_LOCALEDIR='"$(PREFIX)/share/locale"'
ifneq ($(SANITIZE),)
CFLAGS  += -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -O1
LDFLAGS += -fsanitize=$(SANITIZE)
B       := build-san
BIN     := build-san/bin
endif

DEPS_OK := $(B)/.deps-ok
PKG_CFLAGS = $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   = $(shell pkg-config --libs $(PKGS) 2>/dev/null)

SCHEMA_SQL  := $(sort $(wildcard schema/[0-9]*.sql))
SCHEMA_SRC  := $(wildcard schema/*.c) $(B)/migrations_sql.c
WEB_ASSETS  := $(sort $(wildcard client/web/*.css client/web/*.js client/web/*.svg))
CLIENT_SRC  := $(filter-out client/main.c,$(wildcard client/*.c)) $(B)/web_assets.c
DAEMON_SRC  := $(filter-out daemon/main.c,$(wildcard daemon/*.c))
UNIT_SRC    := $(wildcard tests/unit/*.c)
TOOLS_SRC   := $(wildcard tools/*.c)
PO_FILES    := $(wildcard po/*/*.po)
MO_FILES    := $(foreach p,$(PO_FILES),$(B)/locale/$(basename $(notdir $(p)))/LC_MESSAGES/$(word 2,$(subst /, ,$(p))).mo)

obj = $(patsubst %.c,$(B)/%.o,$(patsubst $(B)/%,%,$(1)))
SCHEMA_OBJ := $(call obj,$(SCHEMA_SRC))
CLIENT_OBJ := $(call obj,$(CLIENT_SRC))
DAEMON_OBJ := $(call obj,$(DAEMON_SRC))
UNIT_OBJ   := $(call obj,$(UNIT_SRC))
LIBS := $(B)/libopclient.a $(B)/libopdaemon.a $(B)/libopschema.a

.PHONY: all test unit e2e demo bench man install install-service clean deps mutate soak pot
all: $(BIN)/outpost $(BIN)/outpostd $(MO_FILES)

deps: ; @sh tools/deps.sh
$(DEPS_OK):
	@sh tools/deps.sh test
	@mkdir -p $(B) && touch $@

# Translations (schema/i18n.h): po/<domain>/<lang>.po is compiled to
# $(B)/locale/<lang>/LC_MESSAGES/<domain>.mo, where the binaries find it
# when run from this tree; `make install` copies it to share/locale.
# Domains: outpost (the CLI, validation reasons, reminders), outpost-web.
define mo_rule
$(B)/locale/$(2)/LC_MESSAGES/$(1).mo: po/$(1)/$(2).po | $(DEPS_OK)
	@mkdir -p $$(dir $$@)
	msgfmt --check -o $$@ $$<
endef
$(foreach p,$(PO_FILES),$(eval $(call mo_rule,$(word 2,$(subst /, ,$(p))),$(basename $(notdir $(p))))))

# The web screen's pages keep their strings in the domain outpost-web
# (W_() and N_()), apart from the CLI's.
WEB_SRC := $(sort $(wildcard client/web*.c client/serve.c))
# xgettext keywords: _() and N_() everywhere; the first argument of
# valid.c's fail()/reason() and of the error constructors are messages;
# NC_(ctx, s) is s in context ctx ("column": table headers).
XGETTEXT_KW := -k_ -kN_ -kP_:1,2 -kNC_:1c,2 -kfail:2 -kreason:1 -kop_errc:3 -kop_errf:2 \
	-kop_errctx:2 -kcli_error:3 -kcli_warn:2 --flag=reason:1:c-format \
	--flag=op_errc:3:c-format --flag=op_errf:2:c-format --flag=op_errctx:2:c-format \
	--flag=cli_error:3:c-format --flag=cli_warn:2:c-format
# The command table's help lines are printed by tools/cmdstrings.c.
$(B)/tools/cmdstrings: $(B)/tools/cmdstrings.o $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--whole-archive $(B)/libopclient.a -Wl,--no-whole-archive \
		-Wl,--start-group $(B)/libopdaemon.a $(B)/libopschema.a -Wl,--end-group $(PKG_LIBS) -lm
pot: $(B)/tools/cmdstrings
	$(B)/tools/cmdstrings > $(B)/cmdstrings.c
	xgettext --from-code=UTF-8 --add-comments=TRANSLATORS $(XGETTEXT_KW) \
		--package-name=outpost -o po/outpost/outpost.pot \
		$(filter-out $(WEB_SRC),$(sort $(wildcard schema/*.c client/*.c daemon/*.c))) \
		$(B)/cmdstrings.c
	for f in po/outpost/*.po; do msgmerge -q --no-fuzzy-matching --update --backup=none $$f po/outpost/outpost.pot || exit 1; done
	xgettext --from-code=UTF-8 -kW_ -kN_ --package-name=outpost-web \
		-o po/outpost-web/outpost-web.pot $(WEB_SRC)
	for f in po/outpost-web/*.po; do msgmerge -q --no-fuzzy-matching --update --backup=none $$f po/outpost-web/outpost-web.pot || exit 1; done

$(B)/migrations_sql.c: $(SCHEMA_SQL) tools/embed.sh | $(DEPS_OK)
	sh tools/embed.sh $@ $(SCHEMA_SQL)

$(B)/%.o: %.c | $(DEPS_OK)
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@
$(B)/web_assets.c: $(WEB_ASSETS) tools/embed_assets.sh | $(DEPS_OK)
	sh tools/embed_assets.sh $@ $(WEB_ASSETS)
$(B)/web_assets.o: $(B)/web_assets.c
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@
$(B)/migrations_sql.o: $(B)/migrations_sql.c
	$(CC) $(CFLAGS) $(PKG_CFLAGS) -c $< -o $@

$(B)/libopschema.a: $(SCHEMA_OBJ) ; $(AR) rcs $@ $^
$(B)/libopclient.a: $(CLIENT_OBJ) ; $(AR) rcs $@ $^
$(B)/libopdaemon.a: $(DAEMON_OBJ) ; $(AR) rcs $@ $^

# The client and daemon libraries use each other (sync status, keys), so
# the archives are grouped.
# Command groups are found through weak references, which never pull an
# archive member in: the client archive is linked whole.
$(BIN)/outpost: $(B)/client/main.o $(LIBS)
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--whole-archive $(B)/libopclient.a -Wl,--no-whole-archive \
		-Wl,--start-group $(B)/libopdaemon.a $(B)/libopschema.a -Wl,--end-group $(PKG_LIBS) -lm
# The daemon links no client code (DESIGN.md: the graph is one-way).
$(BIN)/outpostd: $(B)/daemon/main.o $(B)/libopdaemon.a $(B)/libopschema.a
	@mkdir -p $(BIN)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(B)/libopdaemon.a $(B)/libopschema.a \
		-Wl,--end-group $(PKG_LIBS) -lm

$(B)/unit: $(UNIT_OBJ) $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(UNIT_OBJ) -Wl,--whole-archive $(B)/libopclient.a -Wl,--no-whole-archive \
		-Wl,--start-group $(B)/libopdaemon.a $(B)/libopschema.a -Wl,--end-group $(PKG_LIBS) -lcriterion -lm

$(B)/tools/%: $(B)/tools/%.o $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $< -Wl,--start-group $(LIBS) -Wl,--end-group $(PKG_LIBS) -lm
# The fault harness is three objects: the driver, its writes and its model
# (tools/faultsim_model.c and faultsim_write.c are no programs of their own).
$(B)/tools/faultsim: $(B)/tools/faultsim.o $(B)/tools/faultsim_model.o $(B)/tools/faultsim_write.o $(LIBS)
	$(CC) $(LDFLAGS) -o $@ $(B)/tools/faultsim.o $(B)/tools/faultsim_model.o $(B)/tools/faultsim_write.o \
		-Wl,--start-group $(LIBS) -Wl,--end-group $(PKG_LIBS) -lm

test: all $(B)/unit $(B)/tools/faultsim
	@OUTPOST_BIN=$(CURDIR)/$(BIN) OUTPOST_E2E_TIMEOUT=$(if $(SANITIZE),1200,300) \
		OUTPOST_FAULTSIM=$(CURDIR)/$(B)/tools/faultsim sh tests/run.sh $(B)/unit

# The fault harness (docs/FAULTS.md) over seeds 1..SEEDS, every fault kind;
# a failing seed prints its replay command, the last line is the tally.
SEEDS ?= 200
soak: $(B)/tools/faultsim
	$(B)/tools/faultsim --seeds 1-$(SEEDS)

# Each mutant in tools/mutants/ is applied to a copy of this tree, rebuilt
# and must fail the tests it names (tools/mutate.sh).
mutate: all $(B)/unit
	@sh tools/mutate.sh $(MUTANTS)

demo: all
	@sh tools/demo.sh

BENCHES := $(B)/tools/bench $(B)/tools/bench_reports $(B)/tools/bench_history \
           $(B)/tools/changeset_apply
bench: all $(BENCHES)
	@OUTPOST_BIN=$(CURDIR)/$(BIN) sh tools/bench.sh $(B)/tools/bench

# A page is written under a temporary name and kept only when scdoc made
# it: a missing scdoc never leaves an empty page for `install` to copy.
SCDOC ?= scdoc
man: $(B)/outpost.1 $(B)/outpostd.8
$(B)/%.1: docs/%.1.scd ; @sh tools/man.sh "$(SCDOC)" $< $@
$(B)/%.8: docs/%.8.scd ; @sh tools/man.sh "$(SCDOC)" $< $@

# Binaries, the systemd units (their paths set to PREFIX) and the man pages
# when scdoc can make them. The service user is install-service's job.
install: all
	@sh tools/deps.sh install
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(UNITDIR)
	install -m 0755 $(BIN)/outpost $(BIN)/outpostd $(DESTDIR)$(PREFIX)/bin/
	for m in $(MO_FILES); do \
		d=$(DESTDIR)$(PREFIX)/share/locale/$${m#$(B)/locale/}; \
		install -d $${d%/*} && install -m 0644 $$m $$d || exit 1; \
	done
	for u in $(UNITS); do \
		sed 's|/usr/local/bin/|$(PREFIX)/bin/|g' tools/$$u > $(B)/$$u.tmp && \
		install -m 0644 $(B)/$$u.tmp $(DESTDIR)$(UNITDIR)/$$u && rm -f $(B)/$$u.tmp || exit 1; \
	done
	@if $(MAKE) --no-print-directory man; then \
		install -d $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/man/man8 && \
		install -m 0644 $(B)/outpost.1 $(DESTDIR)$(PREFIX)/share/man/man1/ && \
		install -m 0644 $(B)/outpostd.8 $(DESTDIR)$(PREFIX)/share/man/man8/; \
	else echo "make install: man pages not installed (no $(SCDOC); apt-get install scdoc)" >&2; fi

# The service user and group `outpost`, and the state directory they share
# with the clerks' CLI: group outpost, setgid, group-writable (2770), so
# the store, its WAL files, snapshots and the history stay shared. Run as
# root, without DESTDIR; add clerks with `usermod -aG outpost NAME`.
install-service: install
	@sh tools/install-service.sh "$(STATEDIR)" "$(UNITDIR)"

clean:
	rm -rf build build-san bin

-include $(shell find $(B) -name '*.d' 2>/dev/null)
