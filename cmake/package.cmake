# The Debian package (`make package`, CPack's DEB generator): what it installs and how.
#   /usr/bin/broadsheet                       the binary, stripped
#   /lib/systemd/system/broadsheet@.service   one unit, the role of serve as its instance
#   /etc/broadsheet/broadsheet.toml           what `broadsheet init` writes (a conffile;
#                                             root:broadsheet 0640, set by postinst)
#   /usr/share/lintian/overrides/broadsheet   why two of lintian's warnings do not apply
#   /usr/share/man/man1/broadsheet.1.gz       generated from --help (cmake/manpage.cmake)
#   /usr/share/doc/broadsheet/                copyright, changelog.Debian.gz, README.md.gz
# The maintainer scripts (packaging/debian/) make the system user `broadsheet`, its data
# folder /var/lib/broadsheet (0700) with a link to the configuration, and run
# `broadsheet init` there on a first install. Dependencies are computed from the
# binary's libraries (dpkg-shlibdeps).
#
# The generated files are targets of their own, not of `all` (which holds the unit
# tests and benches): `make package` builds broadsheet, broadsheet_manpage and
# broadsheet_package_files, then runs cpack; installing does not build `all` first.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

find_program(HELP2MAN help2man)
find_program(GZIP gzip)
set(PACKAGE_DIR ${CMAKE_BINARY_DIR}/package)
set(MANPAGE ${PACKAGE_DIR}/broadsheet.1.gz)
set(DEFAULT_CONFIG ${PACKAGE_DIR}/broadsheet.toml)

add_custom_command(OUTPUT ${MANPAGE}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${PACKAGE_DIR}
  COMMAND ${CMAKE_COMMAND} -DBIN=$<TARGET_FILE:broadsheet> -DHELP2MAN=${HELP2MAN}
          -DGZIP=${GZIP} -DSTATIC=${CMAKE_SOURCE_DIR}/packaging/broadsheet.h2m
          -DOUT=${MANPAGE} -P ${CMAKE_SOURCE_DIR}/cmake/manpage.cmake
  DEPENDS broadsheet ${CMAKE_SOURCE_DIR}/packaging/broadsheet.h2m
          ${CMAKE_SOURCE_DIR}/cmake/manpage.cmake
  COMMENT "Generating broadsheet(1) from --help with help2man" VERBATIM)
add_custom_target(broadsheet_manpage DEPENDS ${MANPAGE})

# The default configuration is the file `init` writes into an empty data folder, taken
# from the binary rather than kept in the tree, so the two cannot disagree.
set(PACKAGE_VERSION_FULL "${PROJECT_VERSION}-1")
set(PACKAGE_MAINTAINER "Broadsheet maintainers <maintainers@users.noreply.r-seed-d24890c1.example>")
string(TIMESTAMP PACKAGE_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)  # SOURCE_DATE_EPOCH wins
set(DEB_VERSION ${PACKAGE_VERSION_FULL})
set(DEB_MAINTAINER ${PACKAGE_MAINTAINER})
set(DEB_DATE ${PACKAGE_DATE})
configure_file(${CMAKE_SOURCE_DIR}/packaging/debian/changelog ${PACKAGE_DIR}/changelog.Debian @ONLY)
add_custom_command(OUTPUT ${DEFAULT_CONFIG} ${PACKAGE_DIR}/changelog.Debian.gz
                          ${PACKAGE_DIR}/README.md.gz
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${PACKAGE_DIR}/init
  COMMAND ${CMAKE_COMMAND} -E env --unset=BROADSHEET_DATABASE --unset=BROADSHEET_DATA
          $<TARGET_FILE:broadsheet> init --data ${PACKAGE_DIR}/init
  COMMAND ${CMAKE_COMMAND} -E copy ${PACKAGE_DIR}/init/broadsheet.toml ${DEFAULT_CONFIG}
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${PACKAGE_DIR}/init
  COMMAND ${GZIP} -9nkf ${PACKAGE_DIR}/changelog.Debian
  COMMAND ${CMAKE_COMMAND} -E copy ${CMAKE_SOURCE_DIR}/README.md ${PACKAGE_DIR}/README.md
  COMMAND ${GZIP} -9nf ${PACKAGE_DIR}/README.md
  DEPENDS broadsheet ${PACKAGE_DIR}/changelog.Debian ${CMAKE_SOURCE_DIR}/README.md
  COMMENT "Default configuration (broadsheet init) and the package's documents" VERBATIM)
add_custom_target(broadsheet_package_files DEPENDS ${DEFAULT_CONFIG})

install(TARGETS broadsheet RUNTIME DESTINATION bin)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/systemd/broadsheet@.service
        DESTINATION /lib/systemd/system)
# 0644 as shipped, holding only defaults: postinst's dpkg-statoverride makes it
# root:broadsheet 0640 before it can name a secret.
install(FILES ${DEFAULT_CONFIG} DESTINATION /etc/broadsheet)
install(FILES ${MANPAGE} DESTINATION share/man/man1)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/debian/lintian-overrides
        DESTINATION share/lintian/overrides RENAME broadsheet)
install(FILES ${CMAKE_SOURCE_DIR}/packaging/debian/copyright ${PACKAGE_DIR}/changelog.Debian.gz
              ${PACKAGE_DIR}/README.md.gz
        DESTINATION share/doc/broadsheet)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME broadsheet)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_PACKAGE_CONTACT ${PACKAGE_MAINTAINER})
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_RELEASE 1)
set(CPACK_DEBIAN_PACKAGE_SECTION mail)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
# postinst: adduser makes the system user; runuser (util-linux) and dpkg-statoverride
# are essential.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser")
# TLS to relays, feeds and mailboxes checks certificates against the system's roots.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "postgresql, nginx")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "self-hosted newsletter server for news publishers")
# The long description (CPack puts the summary above it and indents each line).
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION "Broadsheet serves sign-up forms with double opt-in, sends scheduled,
personalised and DKIM-signed issues through SMTP relays, handles bounces,
complaints and unsubscribe mail, and gives editors an API and a desk.

One binary on SQLite for a small publisher; several nodes (web, sender,
scheduler) sharing PostgreSQL for a large one. The package runs it as the
broadsheet user under systemd (broadsheet@all.service).")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/debian/conffiles ${CMAKE_SOURCE_DIR}/packaging/debian/postinst
    ${CMAKE_SOURCE_DIR}/packaging/debian/prerm ${CMAKE_SOURCE_DIR}/packaging/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR})
include(CPack)
