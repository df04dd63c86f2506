# tools/: the installed `sextant` command, which starts new apps from the
# examples; the examples are installed as data for it, under
# $(pkgdatadir)/examples, with whatever examples/ holds at install time.
bin_PROGRAMS += tools/sextant
tools_sextant_SOURCES = tools/sextant.c util/buf.c util/file.c
tools_sextant_CPPFLAGS = $(AM_CPPFLAGS) -DSX_PKGDATADIR='"$(pkgdatadir)"'

sx_examplesdir = $(pkgdatadir)/examples
# An example is a folder examples/NAME holding NAME.c; its source files
# (anything with a dot in its name, not build products) are installed.
install-data-local: sx-install-examples
uninstall-local: sx-uninstall-examples
sx-install-examples:
	@for d in $(srcdir)/examples/*; do \
	  ex=`basename "$$d"`; \
	  test -f "$$d/$$ex.c" || continue; \
	  ( cd "$$d" && find . -path './.*' -prune -o -type f -name '*.*' \
	      ! -name '*.o' ! -name '*.lo' ! -name '*.db' ! -name '*.db-*' -print ) | \
	  while read f; do \
	    sub=`dirname "$$f"`; \
	    $(MKDIR_P) "$(DESTDIR)$(sx_examplesdir)/$$ex/$$sub" || exit 1; \
	    $(INSTALL_DATA) "$$d/$$f" "$(DESTDIR)$(sx_examplesdir)/$$ex/$$f" || exit 1; \
	  done || exit 1; \
	done
sx-uninstall-examples:
	rm -rf "$(DESTDIR)$(sx_examplesdir)"
.PHONY: sx-install-examples sx-uninstall-examples
