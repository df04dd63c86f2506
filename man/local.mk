# man/: mdoc pages, installed by make install.
dist_man_MANS += man/sextant.1 man/sextant-app.1 man/sextant.3 man/sextant_db.3
