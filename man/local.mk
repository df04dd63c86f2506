# man/: mdoc pages, installed by make install.
dist_man_MANS += man/sextant.1 man/sextant-app.1 man/sextant.3 man/sextant_db.3 \
	man/sextant_http.3 man/sextant_test.3 man/sextant_tpl.3 man/sextant_session.3
