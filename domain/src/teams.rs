//! Teams: who may do what in a shared workspace, team names, invite limits and the team page's DTOs.
//!
//! [`allows`] is the one permission table: every server function and route that touches a team's rows asks it. A
//! row the caller made outside any team is theirs alone and needs no role.

use serde::{Deserialize, Serialize};

use crate::TeamRole;

/// Something a member does in a team's workspace.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Action {
    /// See the team, its members, videos, clips and transcripts.
    View,
    /// Download sources, clips and transcripts.
    Download,
    /// See the team's analytics.
    ViewAnalytics,
    /// Upload or import videos.
    Upload,
    /// Edit clips (titles, captions, trims) and delete videos.
    Edit,
    /// Render or re-render clips.
    Render,
    /// Publish clips to platforms.
    Publish,
    /// Invite people and revoke invites.
    Invite,
    /// Remove members and change their roles (only roles below the actor's own, see [`can_manage`]).
    ManageMembers,
    /// Connect and disconnect the team's platform accounts.
    ManagePlatforms,
    /// Rename the team.
    Rename,
    /// Change the plan and pay.
    Billing,
    /// Hand the team to another member.
    Transfer,
    /// Delete the team.
    DeleteTeam,
}

impl Action {
    /// Every action, in declaration order.
    pub const ALL: [Action; 14] = [
        Action::View,
        Action::Download,
        Action::ViewAnalytics,
        Action::Upload,
        Action::Edit,
        Action::Render,
        Action::Publish,
        Action::Invite,
        Action::ManageMembers,
        Action::ManagePlatforms,
        Action::Rename,
        Action::Billing,
        Action::Transfer,
        Action::DeleteTeam,
    ];

    /// The least powerful role that may do this.
    pub const fn least_role(self) -> TeamRole {
        match self {
            Action::View | Action::Download | Action::ViewAnalytics => TeamRole::Viewer,
            Action::Upload | Action::Edit | Action::Render | Action::Publish => TeamRole::Member,
            Action::Invite | Action::ManageMembers | Action::ManagePlatforms | Action::Rename => TeamRole::Admin,
            Action::Billing | Action::Transfer | Action::DeleteTeam => TeamRole::Owner,
        }
    }
}

/// How powerful a role is: owner 3, admin 2, member 1, viewer 0.
pub const fn rank(role: TeamRole) -> u8 {
    match role {
        TeamRole::Owner => 3,
        TeamRole::Admin => 2,
        TeamRole::Member => 1,
        TeamRole::Viewer => 0,
    }
}

/// The permission table: whether `role` may do `action`. Each role may do what the role below it may, and more.
pub const fn allows(role: TeamRole, action: Action) -> bool {
    rank(role) >= rank(action.least_role())
}

/// Whether `actor` may give `role` to someone (by invite or by a role change). Nobody grants a role above their own,
/// an admin grants only roles below admin, and ownership moves only by [`Action::Transfer`].
pub const fn can_grant(actor: TeamRole, role: TeamRole) -> bool {
    can_manage(actor, role)
}

/// Whether `actor` may remove a member who holds `target` or change their role: an owner manages everyone else, an
/// admin manages members and viewers.
pub const fn can_manage(actor: TeamRole, target: TeamRole) -> bool {
    allows(actor, Action::ManageMembers) && rank(actor) > rank(target)
}

/// Longest team name, in characters.
pub const NAME_MAX: usize = 60;

/// An invite link lives this many days unless the inviter chooses otherwise.
pub const INVITE_DAYS_DEFAULT: u32 = 7;
/// The longest an invite link may live.
pub const INVITE_DAYS_MAX: u32 = 30;
/// The most uses a shareable link may allow.
pub const INVITE_USES_MAX: u32 = 100;

/// Why a team name is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum NameProblem {
    /// Nothing but spaces.
    Empty,
    /// Longer than [`NAME_MAX`].
    TooLong,
}

/// Trims a team name and checks its length.
pub fn team_name(input: &str) -> Result<String, NameProblem> {
    let name = input.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        Err(NameProblem::Empty)
    } else if name.chars().count() > NAME_MAX {
        Err(NameProblem::TooLong)
    } else {
        Ok(name)
    }
}

/// Why a team operation was refused, in terms the UI translates ([`crate::i18n::TeamText::problem`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TeamProblem {
    /// The name is empty.
    NameEmpty,
    /// The name is longer than [`NAME_MAX`].
    NameTooLong,
    /// The user already belongs to a team.
    AlreadyInTeam,
    /// The owner's plan has no team (0) or every seat is taken.
    NoSeats {
        /// Seats the plan gives.
        seats: u32,
    },
    /// Unknown invite link.
    InviteInvalid,
    /// Expired invite link.
    InviteExpired,
    /// Every use of the link is spent.
    InviteUsedUp,
    /// The link was revoked.
    InviteRevoked,
    /// The owner cannot leave.
    OwnerCannotLeave,
}

/// One member as the team page shows them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberView {
    /// The user's id.
    pub user_id: String,
    /// Display name (may be empty).
    pub name: String,
    /// Email address.
    pub email: String,
    /// Their role.
    pub role: TeamRole,
    /// When they joined (RFC 3339).
    pub joined_at: String,
    /// Minutes of video this member processed for the team this period.
    pub minutes_used: i64,
    /// Videos this member added to the team.
    pub videos: i64,
}

/// A pending invite as the team page shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteView {
    /// The invite's id (for revoking).
    pub id: String,
    /// The address it was mailed to; `None` for a shareable link.
    pub email: Option<String>,
    /// The role it grants.
    pub role: TeamRole,
    /// When it stops working (RFC 3339).
    pub expires_at: String,
    /// How often it was used.
    pub uses: i32,
    /// How often it may be used.
    pub max_uses: i32,
    /// Who created it.
    pub invited_by: String,
}

/// The team page's data for one member of the team.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TeamView {
    /// The team's id.
    pub id: String,
    /// Its name.
    pub name: String,
    /// The caller's role.
    pub my_role: TeamRole,
    /// The owner's plan, which the team uses.
    pub plan: crate::PlanId,
    /// Seats the plan gives (members including the owner).
    pub seats: u32,
    /// Minutes used this period from the owner's allowance, by everyone.
    pub minutes_used: i64,
    /// Minutes the plan includes per period (with extra minutes); `None`: unlimited.
    pub minutes_included: Option<i64>,
    /// Members, owner first.
    pub members: Vec<MemberView>,
    /// Pending invites (only for those who may invite; empty otherwise).
    pub invites: Vec<InviteView>,
}

/// What `/invite/:token` shows before the visitor accepts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvitePreview {
    /// The team's name.
    pub team: String,
    /// Who invited.
    pub invited_by: String,
    /// The role the invite grants.
    pub role: TeamRole,
}

/// A freshly created invite: the link is shown once (only its hash is stored).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreatedInvite {
    /// The full `/invite/<token>` URL.
    pub url: String,
    /// Whether the mail went out (email invites).
    pub mailed: bool,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::TextEnum;
    use TeamRole::*;

    /// The table of issue 18, one row per role: what it may do, in [`Action::ALL`]'s order.
    #[test]
    fn the_permission_table_row_by_row() {
        let table: [(TeamRole, [bool; 14]); 4] = [
            //         View  Down  Anal  Upl    Edit   Rend   Publ   Inv    Mngm   Plat   Ren    Bill   Tran   Del
            (Viewer, [true, true, true, false, false, false, false, false, false, false, false, false, false, false]),
            (Member, [true, true, true, true, true, true, true, false, false, false, false, false, false, false]),
            (Admin, [true, true, true, true, true, true, true, true, true, true, true, false, false, false]),
            (Owner, [true; 14]),
        ];
        for (role, row) in table {
            for (action, expected) in Action::ALL.into_iter().zip(row) {
                assert_eq!(allows(role, action), expected, "{role} {action:?}");
            }
        }
        assert_eq!(table.len(), TeamRole::ALL.len());
    }

    #[test]
    fn nobody_grants_a_role_above_their_own_and_ownership_only_moves_by_transfer() {
        for actor in TeamRole::ALL {
            assert!(!can_grant(*actor, Owner), "{actor} granted owner");
            for role in TeamRole::ALL {
                if can_grant(*actor, *role) {
                    assert!(rank(*role) <= rank(*actor), "{actor} granted {role}");
                }
            }
        }
        assert!(can_grant(Owner, Admin) && can_grant(Owner, Member) && can_grant(Owner, Viewer));
        assert!(!can_grant(Admin, Admin) && can_grant(Admin, Member) && can_grant(Admin, Viewer));
        assert!(!can_grant(Member, Viewer) && !can_grant(Viewer, Viewer));
    }

    #[test]
    fn admins_manage_only_roles_below_admin_and_owners_everyone_else() {
        assert!(can_manage(Owner, Admin) && can_manage(Owner, Member) && can_manage(Owner, Viewer));
        assert!(!can_manage(Owner, Owner));
        assert!(!can_manage(Admin, Admin) && !can_manage(Admin, Owner));
        assert!(can_manage(Admin, Member) && can_manage(Admin, Viewer));
        assert!(!can_manage(Member, Viewer) && !can_manage(Viewer, Viewer));
    }

    #[test]
    fn team_names_are_trimmed_and_bounded() {
        assert_eq!(team_name("  Студия   Север "), Ok("Студия Север".into()));
        assert_eq!(team_name("   "), Err(NameProblem::Empty));
        assert_eq!(team_name(&"я".repeat(NAME_MAX)), Ok("я".repeat(NAME_MAX)));
        assert_eq!(team_name(&"я".repeat(NAME_MAX + 1)), Err(NameProblem::TooLong));
    }
}
