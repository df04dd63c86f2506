sextantinc_HEADERS += db/sx_db.h
