# Installs sostac into a scratch prefix, then configures, builds and runs
# examples/cpp against that prefix only — what a C++ user does with
# find_package(sostac CONFIG REQUIRED).
file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)

function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "command failed (${rc}): ${ARGN}\n${out}\n${err}")
  endif()
  set(last_output "${out}" PARENT_SCOPE)
endfunction()

run(${CMAKE_COMMAND_PATH} -S ${SOURCE_DIR} -B ${WORK_DIR}/lib -DSOSTAC_BUILD_TESTS=OFF
    -DSOSTAC_INSTALL=ON -DCMAKE_INSTALL_PREFIX=${prefix} -DCMAKE_CXX_COMPILER=${CXX}
    -DCMAKE_BUILD_TYPE=Release "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
# the compiled library (sostac::sostac) is built before it is installed
run(${CMAKE_COMMAND_PATH} --build ${WORK_DIR}/lib)
run(${CMAKE_COMMAND_PATH} --install ${WORK_DIR}/lib)
if(NOT EXISTS ${prefix}/include/sostac/plan/validate-inl.hpp)
  message(FATAL_ERROR "the -inl.hpp definitions were not installed")
endif()
run(${CMAKE_COMMAND_PATH} -S ${SOURCE_DIR}/examples/cpp -B ${WORK_DIR}/app
    -DCMAKE_PREFIX_PATH=${prefix} -DCMAKE_CXX_COMPILER=${CXX} -DCMAKE_BUILD_TYPE=Release
    "-DCMAKE_CXX_COMPILER_LAUNCHER=${LAUNCHER}")
run(${CMAKE_COMMAND_PATH} --build ${WORK_DIR}/app)
run(${WORK_DIR}/app/ab_test)
message(STATUS "ab_test output:\n${last_output}")
if(NOT last_output MATCHES "p-value")
  message(FATAL_ERROR "the example did not print a p-value")
endif()
run(${WORK_DIR}/app/ab_test_header_only)
if(NOT last_output MATCHES "p-value")
  message(FATAL_ERROR "the header-only example did not print a p-value")
endif()
run(${WORK_DIR}/app/plan_check ${SOURCE_DIR}/examples/plans/b2b_paid_search.json)
message(STATUS "plan_check output:\n${last_output}")
if(NOT last_output MATCHES "0 findings" OR NOT last_output MATCHES "critical path: t-launch -> t-scale")
  message(FATAL_ERROR "plan_check did not validate the example plan or print its critical path")
endif()
run(${WORK_DIR}/app/build_plan ${WORK_DIR}/next_revision.json)
message(STATUS "build_plan output:\n${last_output}")
if(NOT last_output MATCHES "^0 findings" OR NOT last_output MATCHES "stage: control"
   OR NOT last_output MATCHES "revision 2 at stage situation"
   OR NOT last_output MATCHES "objectives\\[0\\]\\.baseline: 0\\.01 -> 0\\.0125"
   OR NOT EXISTS ${WORK_DIR}/next_revision.json)
  message(FATAL_ERROR "build_plan did not build, advance and review its plan")
endif()
