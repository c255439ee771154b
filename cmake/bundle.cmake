# Bundles web/embed/signup.js (with the ALTCHA widget and the box's CSS) into OUT with
# esbuild from node_modules/. Run at build time:
#   cmake -DROOT=<source dir> -DOUT=<bundle> -P cmake/bundle.cmake
set(esbuild ${ROOT}/node_modules/.bin/esbuild)
if(NOT EXISTS ${esbuild} OR NOT EXISTS ${ROOT}/node_modules/altcha/package.json)
  message(FATAL_ERROR "node_modules/ is missing or incomplete, so web/embed/signup.js "
                      "cannot be bundled: run `scripts/install-deps` (or `npm ci --omit=dev`) "
                      "in ${ROOT}, then build again.")
endif()
execute_process(
  COMMAND ${esbuild} web/embed/signup.js --bundle --minify --format=iife
          --outfile=${OUT} --log-level=warning
  WORKING_DIRECTORY ${ROOT}
  RESULT_VARIABLE status)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "esbuild failed to bundle web/embed/signup.js (${status})")
endif()
