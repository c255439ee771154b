# broadsheet(1), made at build time from the binary's own --help by help2man (Debian's):
# the top-level help is its synopsis and description, and a COMMANDS section holds the
# --help of every subcommand, two levels down (`issue`, then `issue send`), so the page
# cannot drift from the program. CLI11's help has the "Usage:" and "Options:" shape
# help2man reads; the subcommand texts are set as preformatted blocks.
#   cmake -DBIN=build/broadsheet -DHELP2MAN=/usr/bin/help2man -DGZIP=/usr/bin/gzip
#         -DSTATIC=packaging/broadsheet.h2m -DOUT=build/broadsheet.1.gz -P cmake/manpage.cmake
foreach(var BIN HELP2MAN GZIP STATIC OUT)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "manpage.cmake: ${var} is not set")
  endif()
endforeach()

# The subcommand names listed under "Subcommands:" in a help text.
function(subcommands_of help out)
  string(REPLACE "\n" ";" lines "${help}")
  set(names)
  set(in_list FALSE)
  foreach(line IN LISTS lines)
    if(line MATCHES "^Subcommands:")
      set(in_list TRUE)
    elseif(in_list AND line MATCHES "^  ([a-z][a-z0-9-]*)")
      list(APPEND names ${CMAKE_MATCH_1})
    elseif(in_list AND NOT line MATCHES "^ ")
      set(in_list FALSE)
    endif()
  endforeach()
  set(${out} ${names} PARENT_SCOPE)
endfunction()

function(help_of out)
  execute_process(COMMAND ${BIN} ${ARGN} --help OUTPUT_VARIABLE text RESULT_VARIABLE rc
                  ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "broadsheet ${ARGN} --help failed (${rc}): ${err}")
  endif()
  set(${out} "${text}" PARENT_SCOPE)
endfunction()

# One .SS per command with its help as a no-fill block; roff's escape and control
# characters neutralised.
function(section_for out title text)
  string(REPLACE "\\" "\\e" text "${text}")
  string(REGEX REPLACE "(^|\n)([.'])" "\\1\\\\&\\2" text "${text}")
  string(STRIP "${text}" text)
  set(${out} ".SS \"${title}\"\n.nf\n${text}\n.fi\n" PARENT_SCOPE)
endfunction()

set(commands "[COMMANDS]\nEvery command takes \\fB\\-\\-help\\fR and \\fB\\-\\-data\\fR \\fIDIR\\fR.\n")
help_of(top)
subcommands_of("${top}" level1)
foreach(cmd IN LISTS level1)
  help_of(help ${cmd})
  section_for(section "broadsheet ${cmd}" "${help}")
  string(APPEND commands "${section}")
  subcommands_of("${help}" level2)
  foreach(sub IN LISTS level2)
    help_of(help ${cmd} ${sub})
    section_for(section "broadsheet ${cmd} ${sub}" "${help}")
    string(APPEND commands "${section}")
  endforeach()
endforeach()

get_filename_component(out_dir ${OUT} DIRECTORY)
set(commands_file ${out_dir}/broadsheet-commands.h2m)
file(WRITE ${commands_file} "${commands}")
string(REGEX REPLACE "\\.gz$" "" page ${OUT})
execute_process(
  COMMAND ${HELP2MAN} --no-info --section=1 --source=Broadsheet "--manual=Broadsheet manual"
          "--name=self-hosted newsletter server for news publishers"
          --include=${STATIC} --include=${commands_file} --output=${page} ${BIN}
  RESULT_VARIABLE rc ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man failed (${rc}): ${err}")
endif()
# Debian's manual pages are gzip'd, without a name or time in the header (-n).
execute_process(COMMAND ${GZIP} -9nf ${page} RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "gzip ${page} failed (${rc})")
endif()
