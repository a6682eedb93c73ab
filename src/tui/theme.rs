//! Every style in one place. The 16 ANSI colours only (the terminal's own
//! palette, readable on light and dark backgrounds), or none at all under
//! `NO_COLOR`; meaning never rests on colour alone (`+`/`-`, bold, reverse).

use ratatui::style::{Color, Modifier, Style};

/// The console's styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    color: bool,
}

impl Theme {
    /// ANSI colours, or none when `no_color` (the `NO_COLOR` convention).
    pub fn new(no_color: bool) -> Theme {
        Theme { color: !no_color }
    }

    fn fg(self, c: Color) -> Style {
        if self.color {
            Style::new().fg(c)
        } else {
            Style::new()
        }
    }

    /// Plain text.
    pub fn text(self) -> Style {
        Style::new()
    }

    /// Secondary text: dates, ids, hints.
    pub fn dim(self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    /// A pane's border and title.
    pub fn border(self, focused: bool) -> Style {
        if focused {
            self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
        } else {
            Style::new()
        }
    }

    /// The selected row.
    pub fn selected(self, focused: bool) -> Style {
        if focused {
            Style::new().add_modifier(Modifier::REVERSED)
        } else {
            Style::new().add_modifier(Modifier::BOLD)
        }
    }

    /// A thumbs-up mark.
    pub fn up(self) -> Style {
        self.fg(Color::Green).add_modifier(Modifier::BOLD)
    }

    /// A thumbs-down mark.
    pub fn down(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// An error notice.
    pub fn error(self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    /// A notice.
    pub fn notice(self) -> Style {
        self.fg(Color::Yellow)
    }

    /// Words a candidate took from the catalog (underlined, so it shows
    /// without colour too).
    pub fn catalog(self) -> Style {
        Style::new().add_modifier(Modifier::UNDERLINED)
    }

    /// A key in the status bar and the help.
    pub fn key(self) -> Style {
        self.fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    /// Headings.
    pub fn heading(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    /// A gauge's filled part.
    pub fn gauge(self) -> Style {
        if self.color {
            Style::new().fg(Color::Blue).bg(Color::Reset)
        } else {
            Style::new()
        }
    }

    /// The loss sparkline.
    pub fn sparkline(self) -> Style {
        self.fg(Color::Magenta)
    }

    /// The header line.
    pub fn header(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }
}
