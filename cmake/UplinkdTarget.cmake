# Common settings for every uplinkd target: warnings are errors, sanitizers when asked.
function(uplinkd_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Werror -Wshadow
                                           -Wnon-virtual-dtor -Wno-missing-field-initializers)
  if(UPLINKD_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined -fno-omit-frame-pointer
                                             -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
endfunction()

# Generates an sdbus-c++ proxy (client) or adaptor (server) header from introspection XML.
# uplinkd_dbus_generate(OUT_VAR proxy|adaptor xml_file output_header)
function(uplinkd_dbus_generate out_var kind xml header)
  add_custom_command(
    OUTPUT ${header}
    COMMAND SDBusCpp::sdbus-c++-xml2cpp ${xml} --${kind}=${header}
    DEPENDS ${xml}
    COMMENT "sdbus-c++-xml2cpp ${kind} ${header}"
    VERBATIM)
  set(${out_var} ${${out_var}} ${header} PARENT_SCOPE)
endfunction()

# Registers a GoogleTest executable as one ctest test labelled `unit`.
function(uplinkd_unit_test name)
  add_executable(${name} ${ARGN})
  uplinkd_target_defaults(${name})
  target_link_libraries(${name} PRIVATE GTest::gtest_main GTest::gmock)
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit TIMEOUT 60)
endfunction()
