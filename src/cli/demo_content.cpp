#include "cli/demo_content.hpp"

namespace broadsheet::cli {

std::vector<Newsletter> demo_newsletters() {
  Newsletter morning;
  morning.slug = "morning-briefing";
  morning.name = "Morning Briefing";
  morning.description =
      "The news you need to start the day, in your inbox every weekday morning.";
  morning.schedule = "mon-fri 06:00 local";
  morning.from_name = "The Daily Broadsheet";
  morning.from_address = "briefing@dailybroadsheet.example";

  Newsletter weekly;
  weekly.slug = "the-long-read";
  weekly.name = "The Long Read";
  weekly.description =
      "Our best long-form reporting and essays of the week, with time to read them.";
  weekly.schedule = "sat 08:00 local";
  weekly.from_name = "The Daily Broadsheet";
  weekly.from_address = "longread@dailybroadsheet.example";

  Newsletter breaking;
  breaking.slug = "breaking-news";
  breaking.name = "Breaking News";
  breaking.description = "An alert when major news breaks, and only then.";
  breaking.schedule = "manual";
  breaking.from_name = "The Daily Broadsheet";
  breaking.from_address = "alerts@dailybroadsheet.example";
  return {morning, weekly, breaking};
}

std::vector<Article> demo_articles(UnixSeconds now) {
  constexpr UnixSeconds kHour = 3600;
  std::vector<Article> a(5);
  a[0].slug = "harbour-bridge-reopens";
  a[0].title = "Harbour bridge reopens after two years of repairs";
  a[0].standfirst =
      "Commuters return to the city's busiest crossing as engineers promise another century "
      "of service.";
  a[0].author = "Mara Ellison";
  a[0].section = "City";
  a[0].paragraphs = {
      "The Harbour Bridge reopened to traffic at dawn on Tuesday, ending two years of "
      "closures that pushed forty thousand daily journeys onto ferries, buses and the "
      "already crowded ring road.",
      "The first vehicles across were a cycling club and a bakery van that had queued since "
      "four in the morning. By seven the crossing carried its usual stream of commuters, "
      "many of whom said their journey to work had been cut by half an hour.",
      "Engineers replaced all 312 suspension hangers and rebuilt the deck's expansion joints, "
      "which had cracked in the cold winter three years ago. The council says the work, "
      "which came in slightly under its budget, should keep the bridge in service for "
      "another hundred years.",
      "Not everyone is celebrating. Ferry operators, who added sailings during the closure, "
      "expect passenger numbers to fall by two thirds, and have asked the council to keep "
      "the late-evening service that proved popular with theatre-goers.",
      "The council will hold a public meeting on the ferry timetable next month. A walking "
      "festival across the bridge is planned for the first weekend of spring."};
  a[0].published_at = now - 2 * kHour;

  a[1].slug = "library-late-opening";
  a[1].title = "Central library to open until midnight during exam season";
  a[1].standfirst = "Students asked for quiet space; the library found the staff to give it.";
  a[1].author = "Tomasz Wren";
  a[1].section = "Education";
  a[1].paragraphs = {
      "The central library will stay open until midnight for six weeks from the start of "
      "the exam season, after a petition signed by more than three thousand students.",
      "Librarians volunteered for the late shifts, which will be paid at the evening rate. "
      "The reading rooms on the second and third floors will stay open; the lending desk "
      "will close at the usual time.",
      "The library's director said the trial would be judged on how many people used it, "
      "and could become a permanent fixture of the calendar."};
  a[1].published_at = now - 5 * kHour;

  a[2].slug = "river-clean-up-volunteers";
  a[2].title = "Volunteers pull half a tonne of rubbish from the river";
  a[2].standfirst = "A Saturday clean-up drew more helpers than the organisers had gloves for.";
  a[2].author = "Priya Nandakumar";
  a[2].section = "Environment";
  a[2].paragraphs = {
      "More than four hundred volunteers waded into the shallows of the river on Saturday, "
      "hauling out shopping trolleys, tyres and a rusted safe that had, alas, nothing inside.",
      "The organisers, a group of rowers who train on the river each morning, had bought two "
      "hundred pairs of gloves and ran out before nine o'clock. A hardware shop on the "
      "quay donated the rest.",
      "The city's environment officer said the water quality at the weir had improved for "
      "three years running, and that events like this one helped keep it that way."};
  a[2].published_at = now - 26 * kHour;

  a[3].slug = "market-hall-traders";
  a[3].title = "Market hall traders vote to open on Sundays";
  a[3].standfirst = "The oldest covered market in the region will trade seven days a week.";
  a[3].author = "Jonas Achterberg";
  a[3].section = "Business";
  a[3].paragraphs = {
      "Traders at the market hall voted by a wide margin to open on Sundays from next month, "
      "reversing a tradition that has held since the hall was built.",
      "Stallholders said weekend visitors increasingly found the doors shut, and that "
      "tourists staying for the weekend were spending their money elsewhere.",
      "A minority of traders, mostly family businesses, will keep their stalls closed on "
      "Sundays; the hall's committee said nobody would be required to open."};
  a[3].published_at = now - 30 * kHour;

  a[4].slug = "night-buses-return";
  a[4].title = "Night buses return to three suburbs";
  a[4].standfirst = "Routes cut during the driver shortage are back on the timetable.";
  a[4].author = "Mara Ellison";
  a[4].section = "Transport";
  a[4].paragraphs = {
      "Night buses will once again serve the northern and eastern suburbs from Friday, after "
      "the transport company completed the training of sixty new drivers.",
      "Shift workers at the hospital and the distribution centres had campaigned for the "
      "return of the routes, which were cut eighteen months ago.",
      "Buses will run every thirty minutes between midnight and five in the morning."};
  a[4].published_at = now - 50 * kHour;
  return a;
}

std::vector<DemoReader> demo_readers() {
  return {
      {"ada.okafor@mail.dailybroadsheet-readers.net", "Ada Okafor", "Europe/London",
       {"morning-briefing", "the-long-read"}},
      {"li.wei@mail.dailybroadsheet-readers.net", "Li Wei", "Asia/Shanghai", {"morning-briefing"}},
      {"sofia.marquez@mail.dailybroadsheet-readers.net", "Sofía Márquez", "America/Mexico_City",
       {"morning-briefing", "breaking-news"}},
      {"jan.de.vries@mail.dailybroadsheet-readers.net", "Jan de Vries", "Europe/Amsterdam",
       {"the-long-read"}},
      {"amara.diallo@mail.dailybroadsheet-readers.net", "Amara Diallo", "Africa/Dakar",
       {"breaking-news"}},
      {"noah.fischer@mail.dailybroadsheet-readers.net", "Noah Fischer", "Europe/Berlin",
       {"morning-briefing", "the-long-read", "breaking-news"}},
      {"hana.sato@mail.dailybroadsheet-readers.net", "Hana Sato", "Asia/Tokyo",
       {"morning-briefing"}},
      {"oliver.brown@mail.dailybroadsheet-readers.net", "Oliver Brown", "America/New_York",
       {"morning-briefing", "breaking-news"}},
      {"isla.mackay@mail.dailybroadsheet-readers.net", "Isla MacKay", "Australia/Sydney",
       {"the-long-read"}},
      {"mateo.rossi@mail.dailybroadsheet-readers.net", "Mateo Rossi", "Europe/Rome",
       {"morning-briefing"}},
  };
}

}  // namespace broadsheet::cli
