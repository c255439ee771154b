# Bundles web entry points with esbuild from node_modules/, each into its own file: a
# script (.js, with what it imports, as one IIFE) or a stylesheet (.css, with what it
# imports). Run at build time:
#   cmake -DROOT=<source dir> "-DENTRIES=web/a.js=<out>;web/b.css=<out>" \
#         "-DPACKAGES=<npm package>;..." -P cmake/bundle.cmake
# PACKAGES are the npm packages the entries import; a missing one stops the build with
# what to run.
set(esbuild ${ROOT}/node_modules/.bin/esbuild)
set(missing "")
if(NOT EXISTS ${esbuild})
  set(missing esbuild)
endif()
foreach(package ${PACKAGES})
  if(NOT EXISTS ${ROOT}/node_modules/${package}/package.json)
    list(APPEND missing ${package})
  endif()
endforeach()
if(missing)
  list(JOIN missing ", " missing)
  message(FATAL_ERROR "node_modules/ lacks ${missing}, so web/ cannot be bundled: run "
                      "`scripts/install-deps` (or `npm ci --omit=dev`) in ${ROOT}, then "
                      "build again.")
endif()
foreach(entry ${ENTRIES})
  string(FIND "${entry}" "=" eq)
  string(SUBSTRING "${entry}" 0 ${eq} input)
  math(EXPR eq "${eq} + 1")
  string(SUBSTRING "${entry}" ${eq} -1 output)
  set(format "")
  if(input MATCHES "\\.js$")
    set(format --format=iife)
  endif()
  execute_process(
    COMMAND ${esbuild} ${input} --bundle --minify ${format}
            --outfile=${output} --log-level=warning
    WORKING_DIRECTORY ${ROOT}
    RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "esbuild failed to bundle ${input} (${status})")
  endif()
endforeach()
