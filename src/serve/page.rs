//! The page `phbsim serve` shows: one HTML shell (the report's stylesheet and the
//! panel's own), and one plain JavaScript file (`page.js`) that builds the controls,
//! sends each what-if and draws the answer. Nothing is fetched from anywhere but
//! this server, so it works on a laptop with no network.

use maud::{DOCTYPE, PreEscaped, html};

use crate::report::live::stylesheet;
use crate::serve::Served;

/// The panel's stylesheet.
const STYLE: &str = include_str!("page.css");
/// The page's script.
pub const SCRIPT: &str = include_str!("page.js");

/// The page, for the session's `token` (carried in the script's address, as every
/// request must carry it).
pub fn html(token: &str, served: &Served) -> String {
    let name = &served.base.scenario.name;
    let file = served.file.as_ref().map(|f| f.display().to_string());
    html! {
        (DOCTYPE)
        html lang="en-GB" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { "phbsim serve: " (name) }
                style { (PreEscaped(stylesheet())) }
                style { (PreEscaped(STYLE)) }
            }
            body .serve {
                div .layout {
                    aside #panel {
                        p .kicker { "phbsim serve: what-if, answered live" }
                        h1 { (name) }
                        p .note {
                            (served.base.settings.iterations) " simulated futures, seed " (served.base.settings.seed)
                            ". Each change re-runs the what-if beside the base on the same futures."
                        }
                        div .actions {
                            button #reset type="button" { "Back to the base" }
                            a #download .button href=(format!("/report.html?token={token}")) download { "Download report" }
                        }
                        div #changes {}
                        div #keep-box {
                            label for="keep-name" { "Name of the variant to keep" }
                            input #keep-name type="text" maxlength="200" placeholder="e.g. pass-through 20%";
                            label for="keep-description" { "Description (optional)" }
                            input #keep-description type="text" maxlength="800";
                            button #keep type="button" disabled[file.is_none()] { "Keep as variant" }
                            p #keep-note {
                                @match &file {
                                    Some(file) => { "Appends the what-if to " code { (file) } " as a [[variants]] entry, checked first, comments kept." }
                                    None => { "This is the built-in example, which is no file, so variants cannot be kept. Save it with " code { "phbsim init my.toml" } " and run " code { "phbsim serve my.toml" } " to keep them." }
                                }
                            }
                        }
                        div #controls {}
                    }
                    main {
                        p #status role="status" aria-live="polite" { "Loading…" }
                        pre #problems hidden {}
                        div #banner {}
                        div #headline {}
                        div #variants {}
                        div #providers {}
                        div #numbers hidden {
                            pre #summary-csv {}
                            pre #compare-csv {}
                        }
                    }
                }
                script src=(format!("/app.js?token={token}")) {}
            }
        }
    }
    .into_string()
}
