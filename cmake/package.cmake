# `make deb`: a Debian package of the binary (UI and templates inside it), its systemd
# units, a commented settings file and the maintainer scripts that create the parkd
# user and /var/lib/parkd. Built with CPack from the release build's install rules.

set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY TRUE)  # packaging needs parkd only, not the tests
install(TARGETS parkd RUNTIME DESTINATION bin)
install(FILES packaging/parkd.service packaging/parkd-api@.service
              packaging/parkd-worker.service packaging/parkd-scheduler.service
        DESTINATION lib/systemd/system)  # /usr/lib/systemd/system: systemd reads it
install(FILES packaging/parkd.env DESTINATION /etc/parkd
        PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ)
install(FILES README.md docs/deployment.md docs/operations.md DESTINATION share/doc/parkd)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME parkd)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_PACKAGE_CONTACT "parkd maintainers <parkd@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Parking management service: lots, bookings, payments, email jobs")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # parkd_<version>_amd64.deb
set(CPACK_DEBIAN_PACKAGE_SECTION web)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "adduser, tzdata")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
    ${CMAKE_SOURCE_DIR}/packaging/postinst ${CMAKE_SOURCE_DIR}/packaging/prerm
    ${CMAKE_SOURCE_DIR}/packaging/postrm ${CMAKE_SOURCE_DIR}/packaging/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION TRUE)
include(CPack)
