# A fact field named in code is checked when it is compiled: the real compiler, with the
# project's flags, builds a use of an existing field and refuses a misspelt one.
cmake_minimum_required(VERSION 3.25)

function(compile expect_success field)
  set(source ${WORK}/field_${field}.cpp)
  file(WRITE ${source} "#include \"engine/model/fact_schema.h\"\n"
                       "constexpr auto kField = pgward::FieldOf<pgward::FactKind::kConnection>(\"${field}\");\n"
                       "static_assert(kField.index < 64);\n")
  execute_process(COMMAND ${COMPILER} -std=c++20 -fsyntax-only -Wall -Wextra -Werror -I${SOURCE}
                          ${source}
                  RESULT_VARIABLE result ERROR_VARIABLE output OUTPUT_VARIABLE output)
  if(expect_success AND NOT result EQUAL 0)
    message(FATAL_ERROR "FieldOf(\"${field}\") did not compile:\n${output}")
  endif()
  if(NOT expect_success AND result EQUAL 0)
    message(FATAL_ERROR "FieldOf(\"${field}\") compiled although connection has no such field")
  endif()
endfunction()

file(MAKE_DIRECTORY ${WORK})
compile(TRUE tls_version)
compile(TRUE client_addr)
compile(FALSE tls_verison)
compile(FALSE cipher_suite)
file(REMOVE_RECURSE ${WORK})
