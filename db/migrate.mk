# db/ migrations: owned by the migrations module
sextantinc_HEADERS += db/sx_migrate.h
