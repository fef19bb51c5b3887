# Copies the engine and the reporters, plants one violation at a time, and expects
# cmake/check_layers.cmake to fail naming it; the unchanged copy must pass.
cmake_minimum_required(VERSION 3.25)

function(run_check expect_failure expected_text)
  execute_process(COMMAND ${CMAKE_COMMAND} -DROOT=${WORK} -P ${SOURCE}/cmake/check_layers.cmake
                  RESULT_VARIABLE result ERROR_VARIABLE output OUTPUT_VARIABLE output)
  if(expect_failure AND result EQUAL 0)
    message(FATAL_ERROR "the check passed although ${expected_text} was planted")
  endif()
  if(NOT expect_failure AND NOT result EQUAL 0)
    message(FATAL_ERROR "the check failed on the unchanged tree:\n${output}")
  endif()
  if(expect_failure)
    string(FIND "${output}" "${expected_text}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "the failure does not name '${expected_text}':\n${output}")
    endif()
  endif()
endfunction()

function(plant file text)
  file(WRITE ${WORK}/${file} "${text}")
endfunction()

file(REMOVE_RECURSE ${WORK})
file(COPY ${SOURCE}/engine ${SOURCE}/reporters DESTINATION ${WORK})
run_check(FALSE "")

# Collection reading hba semantics: the back door the scan layer exists to close.
plant(engine/collect/planted.cpp "#include \"engine/hba/parser.h\"\n")
run_check(TRUE "engine/collect/planted.cpp: #include \"engine/hba/parser.h\"")
file(REMOVE ${WORK}/engine/collect/planted.cpp)

# A reporter reaching past the findings into the policies.
plant(reporters/planted.h "#pragma once\n  #  include \"engine/policy/policy.h\"\n")
run_check(TRUE "reporters/planted.h")
file(REMOVE ${WORK}/reporters/planted.h)

# The model depending on a layer above it.
plant(engine/model/planted.cpp "#include \"engine/findings/finding.h\"\n")
run_check(TRUE "engine/model/planted.cpp")
file(REMOVE ${WORK}/engine/model/planted.cpp)

# libpq anywhere but in collection.
plant(engine/probe/planted.cpp "#include <libpq-fe.h>\n")
run_check(TRUE "engine/probe/planted.cpp: <libpq-fe.h>")
file(REMOVE ${WORK}/engine/probe/planted.cpp)

# A new folder without a place in the table.
plant(engine/replication/reader.cpp "#include \"engine/model/fact_table.h\"\n")
run_check(TRUE "folder 'replication' has no place in the layer table")
file(REMOVE_RECURSE ${WORK}/engine/replication)

run_check(FALSE "")
file(REMOVE_RECURSE ${WORK})
