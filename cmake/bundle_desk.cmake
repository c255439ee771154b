# Bundles the desk's script and stylesheet (web/desk/desk.js with uPlot, web/desk/desk.css
# with uPlot's CSS) into OUT_DIR/desk.js and OUT_DIR/desk.css with esbuild from
# node_modules/. Run at build time:
#   cmake -DROOT=<source dir> -DOUT_DIR=<folder> -P cmake/bundle_desk.cmake
set(esbuild ${ROOT}/node_modules/.bin/esbuild)
if(NOT EXISTS ${esbuild} OR NOT EXISTS ${ROOT}/node_modules/uplot/package.json)
  message(FATAL_ERROR "node_modules/ is missing or incomplete, so the desk's script "
                      "cannot be bundled: run `scripts/install-deps` (or `npm ci --omit=dev`) "
                      "in ${ROOT}, then build again.")
endif()
foreach(file desk.js desk.css)
  set(format "")
  if(file MATCHES "\\.js$")
    set(format --format=iife)
  endif()
  execute_process(
    COMMAND ${esbuild} web/desk/${file} --bundle --minify ${format}
            --outfile=${OUT_DIR}/${file} --log-level=warning
    WORKING_DIRECTORY ${ROOT}
    RESULT_VARIABLE status)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "esbuild failed to bundle web/desk/${file} (${status})")
  endif()
endforeach()
