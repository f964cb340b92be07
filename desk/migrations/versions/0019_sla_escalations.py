"""SLA: next-response clocks, warnings and escalations, recorded results, the queue's next due
time, VIP tickets first

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 01:00:00
"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa
import sqlmodel


revision: str = '0019'
down_revision: Union[str, None] = '0018'
branch_labels: Union[str, Sequence[str], None] = None
depends_on: Union[str, Sequence[str], None] = None

OPEN_SQL = "status IN ('new', 'open', 'on_hold')"  # desk.models.tickets.OPEN_SQL, as it was
# ticket.vip follows the customer's tier whatever writes it (the form, a batch edit, an import,
# a merge moving tickets): VIP customers' tickets come first in every queue.
_IS_VIP = "EXISTS (SELECT 1 FROM customer WHERE customer.id = NEW.customer_id AND customer.tier = 'vip')"
NEXT_DUE_BACKFILL = """UPDATE ticket SET next_due_at = (
    SELECT CASE
      WHEN s.first_response_met IS NULL AND s.first_response_due_at IS NOT NULL
           AND (s.resolution_met IS NOT NULL OR s.resolution_due_at IS NULL
                OR s.first_response_due_at <= s.resolution_due_at) THEN s.first_response_due_at
      WHEN s.resolution_met IS NULL THEN s.resolution_due_at
    END
    FROM ticketsla s WHERE s.ticket_id = ticket.id AND s.paused_at IS NULL)
  WHERE status IN ('new', 'open')"""
SQLITE_TRIGGERS = (
    f"""CREATE TRIGGER ticket_vip_inserted AFTER INSERT ON ticket
    WHEN NEW.vip IS NOT {_IS_VIP}
    BEGIN UPDATE ticket SET vip = {_IS_VIP} WHERE id = NEW.id; END""",
    f"""CREATE TRIGGER ticket_vip_customer_changed AFTER UPDATE OF customer_id ON ticket
    WHEN NEW.vip IS NOT {_IS_VIP}
    BEGIN UPDATE ticket SET vip = {_IS_VIP} WHERE id = NEW.id; END""",
    """CREATE TRIGGER customer_vip_tier_changed AFTER UPDATE OF tier ON customer
    WHEN (OLD.tier = 'vip') IS NOT (NEW.tier = 'vip')
    BEGIN UPDATE ticket SET vip = (NEW.tier = 'vip') WHERE customer_id = NEW.id; END""",
)
POSTGRES_TRIGGERS = (
    f"""CREATE FUNCTION desk_ticket_vip() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN NEW.vip := {_IS_VIP}; RETURN NEW; END $$""",
    """CREATE TRIGGER ticket_vip BEFORE INSERT OR UPDATE OF customer_id ON ticket
    FOR EACH ROW EXECUTE FUNCTION desk_ticket_vip()""",
    """CREATE FUNCTION desk_customer_vip_tier() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN UPDATE ticket SET vip = (NEW.tier = 'vip') WHERE customer_id = NEW.id
      AND vip IS DISTINCT FROM (NEW.tier = 'vip'); RETURN NULL; END $$""",
    """CREATE TRIGGER customer_vip_tier AFTER UPDATE OF tier ON customer
    FOR EACH ROW WHEN ((OLD.tier = 'vip') IS DISTINCT FROM (NEW.tier = 'vip'))
    EXECUTE FUNCTION desk_customer_vip_tier()""",
)


def upgrade() -> None:
    op.add_column('slapolicy', sa.Column('warn_minutes', sa.Integer(), nullable=False, server_default='30'))
    op.add_column('slapolicy', sa.Column('escalate_notify', sa.Boolean(), nullable=False,
                                         server_default=sa.true()))
    op.add_column('slapolicy', sa.Column('escalate_raise', sa.Boolean(), nullable=False,
                                         server_default=sa.false()))
    for column, table in (('escalate_agent_id', 'user'), ('escalate_team_id', 'team')):
        if op.get_bind().dialect.name == 'sqlite':
            # SQLite adds a column with its reference in place; alembic would rebuild the table.
            op.execute(f'ALTER TABLE slapolicy ADD COLUMN {column} INTEGER REFERENCES "{table}" (id)')
        else:
            op.add_column('slapolicy', sa.Column(column, sa.Integer(), nullable=True))
            op.create_foreign_key(f'slapolicy_{column}_fkey', 'slapolicy', table, [column], ['id'])
    op.add_column('ticketsla', sa.Column('stood_minutes', sa.Float(), nullable=False, server_default='0'))
    op.add_column('ticketsla', sa.Column('next_response_started_at',
                                         sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('ticketsla', sa.Column('next_response_due_at',
                                         sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    op.add_column('ticketsla', sa.Column('next_response_met', sa.Boolean(), nullable=True))
    op.add_column('ticketsla', sa.Column('next_response_stood_from', sa.Float(), nullable=False,
                                         server_default='0'))
    op.create_table('slaresult',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('policy_id', sa.Integer(), nullable=False),
    sa.Column('team_id', sa.Integer(), nullable=True),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('breached_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('settled_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['policy_id'], ['slapolicy.id'], ),
    sa.ForeignKeyConstraint(['team_id'], ['team.id'], ),
    sa.ForeignKeyConstraint(['ticket_id'], ['ticket.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index('ix_slaresult_ticket_kind', 'slaresult', ['ticket_id', 'kind', 'settled_at'], unique=False)
    op.create_index('ix_slaresult_settled', 'slaresult', ['settled_at'], unique=False)
    op.create_index('ix_slaresult_breached', 'slaresult', ['breached_at'], unique=False)
    op.add_column('ticket', sa.Column('next_due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
    # The clocks running before this revision: their earliest due time, as the clocks keep it.
    op.execute(NEXT_DUE_BACKFILL)
    op.create_index('ix_ticket_next_due', 'ticket', ['next_due_at', 'id'], unique=False,
                    sqlite_where=sa.text("next_due_at IS NOT NULL"),
                    postgresql_where=sa.text("next_due_at IS NOT NULL"))
    op.add_column('ticket', sa.Column('vip', sa.Boolean(), nullable=False, server_default=sa.false()))
    op.execute("UPDATE ticket SET vip = true WHERE customer_id IN "
               "(SELECT id FROM customer WHERE tier = 'vip')")
    for statement in (SQLITE_TRIGGERS if op.get_bind().dialect.name == 'sqlite' else POSTGRES_TRIGGERS):
        op.execute(statement)
    op.create_index('ix_ticket_vip_status_updated', 'ticket', ['status', 'updated_at', 'id'], unique=False,
                    sqlite_where=sa.text("vip"), postgresql_where=sa.text("vip"))
    op.create_index('ix_ticket_open_undue_updated', 'ticket', ['updated_at', 'id'], unique=False,
                    sqlite_where=sa.text(f"next_due_at IS NULL AND {OPEN_SQL}"),
                    postgresql_where=sa.text(f"next_due_at IS NULL AND {OPEN_SQL}"))


def downgrade() -> None:
    op.drop_index('ix_ticket_open_undue_updated', table_name='ticket')
    op.drop_index('ix_ticket_vip_status_updated', table_name='ticket')
    if op.get_bind().dialect.name == 'sqlite':
        for name in ('ticket_vip_inserted', 'ticket_vip_customer_changed', 'customer_vip_tier_changed'):
            op.execute(f'DROP TRIGGER IF EXISTS {name}')
    else:
        op.execute('DROP TRIGGER IF EXISTS ticket_vip ON ticket')
        op.execute('DROP TRIGGER IF EXISTS customer_vip_tier ON customer')
        op.execute('DROP FUNCTION IF EXISTS desk_ticket_vip()')
        op.execute('DROP FUNCTION IF EXISTS desk_customer_vip_tier()')
    op.drop_column('ticket', 'vip')
    op.drop_index('ix_ticket_next_due', table_name='ticket')
    op.drop_column('ticket', 'next_due_at')
    op.drop_index('ix_slaresult_breached', table_name='slaresult')
    op.drop_index('ix_slaresult_settled', table_name='slaresult')
    op.drop_index('ix_slaresult_ticket_kind', table_name='slaresult')
    op.drop_table('slaresult')
    for name in ('next_response_stood_from', 'next_response_met', 'next_response_due_at',
                 'next_response_started_at', 'stood_minutes'):
        op.drop_column('ticketsla', name)
    for column in ('escalate_team_id', 'escalate_agent_id'):
        if op.get_bind().dialect.name != 'sqlite':
            op.drop_constraint(f'slapolicy_{column}_fkey', 'slapolicy', type_='foreignkey')
        op.drop_column('slapolicy', column)
    for column in ('escalate_raise', 'escalate_notify', 'warn_minutes'):
        op.drop_column('slapolicy', column)
