//! Colour palette for terminal output. Colour is applied only when the caller asks for it.

use anstyle::{AnsiColor, Effects, Style};
use mlsecops_core::{FileStatus, Severity};

/// Style of a severity tag.
pub(crate) fn severity(sev: Severity) -> Style {
    match sev {
        Severity::Critical => Style::new()
            .fg_color(Some(AnsiColor::Red.into()))
            .effects(Effects::BOLD),
        Severity::High => Style::new().fg_color(Some(AnsiColor::Red.into())),
        Severity::Medium => Style::new().fg_color(Some(AnsiColor::Yellow.into())),
        Severity::Low => Style::new().fg_color(Some(AnsiColor::Cyan.into())),
        Severity::Info => Style::new().effects(Effects::DIMMED),
    }
}

/// Style of a file status.
pub(crate) fn status(status: FileStatus) -> Style {
    match status {
        FileStatus::Complete => Style::new().fg_color(Some(AnsiColor::Green.into())),
        FileStatus::Inconclusive | FileStatus::Unsupported => {
            Style::new().fg_color(Some(AnsiColor::Yellow.into()))
        }
        FileStatus::Error => Style::new()
            .fg_color(Some(AnsiColor::Red.into()))
            .effects(Effects::BOLD),
        FileStatus::Skipped => Style::new().effects(Effects::DIMMED),
    }
}

/// Bold, for file paths and headings.
pub(crate) fn bold() -> Style {
    Style::new().effects(Effects::BOLD)
}

/// Dimmed, for secondary details.
pub(crate) fn dim() -> Style {
    Style::new().effects(Effects::DIMMED)
}

/// `text` wrapped in `style` when `color` is on, else unchanged.
pub(crate) fn paint(color: bool, style: Style, text: &str) -> String {
    if color {
        format!("{}{text}{}", style.render(), style.render_reset())
    } else {
        text.to_owned()
    }
}
